"""What ctxaudit concludes from a walk: statistics, suggested ignore lines, the
starter file, ``explain``, the ``.gitignore`` translation and the safe writer."""
