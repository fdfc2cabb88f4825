"""Vocabulary every layer shares: errors with their exit codes, file and byte
counters, and how sizes and names are shown safely. Imports nothing of ctxaudit."""
