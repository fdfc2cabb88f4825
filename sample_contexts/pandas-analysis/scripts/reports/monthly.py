import pandas as pd


def monthly_table(sales: pd.DataFrame) -> pd.DataFrame:
    sales = sales.assign(month=sales["date"].dt.to_period("M"))
    return sales.pivot_table(index="month", columns="region", values="amount", aggfunc="sum").fillna(0)
