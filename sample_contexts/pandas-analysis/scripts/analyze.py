"""Monthly sales summary: reads the raw exports, writes data/processed."""

import sys
from pathlib import Path

import pandas as pd

from reports.monthly import monthly_table

DATA = Path(__file__).resolve().parent.parent / "data"


def main() -> int:
    frames = [pd.read_csv(p, parse_dates=["date"]) for p in sorted((DATA / "raw").glob("sales_*.csv"))]
    if not frames:
        print("no raw data under data/raw", file=sys.stderr)
        return 1
    sales = pd.concat(frames, ignore_index=True)
    table = monthly_table(sales)
    out = DATA / "processed" / "summary.csv"
    out.parent.mkdir(parents=True, exist_ok=True)
    table.to_csv(out)
    print(table.tail(12).to_string())
    return 0


if __name__ == "__main__":
    sys.exit(main())
