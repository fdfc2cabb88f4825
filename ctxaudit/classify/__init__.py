"""What a path *is*: kinds (data, archive, virtualenv, cache, ...), secret names,
and the suffix tables behind them. ctxaudit's own judgement, not Docker's."""
