"""Built images: image archives and what their layers hold.

The other source ctxaudit reads, beside the build context: a ``docker save``
tarball, an OCI image layout (directory or tar) or an image the Docker CLI
saves, each layer read once as a stream (gzip and zstd included), and the
layers stacked as the engine's union filesystem stacks them (whiteouts,
opaque directories), so that every byte a layer stores is known to be
reachable in the final image or hidden by a later layer, and by which.

Same layer as ``engine/``: what the engine produces, nothing of
Dockerfiles, kinds, findings or formats.
"""
