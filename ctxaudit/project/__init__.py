"""The builds of a project: Compose and Bake files read into a list of builds.

Input, like the context itself: each :class:`~ctxaudit.project.model.Build`
names a context directory, a Dockerfile (path or inline text), build
arguments, a target stage and named contexts, with the file and line that
declared it. Nothing here walks a context or reads a Dockerfile.
"""
