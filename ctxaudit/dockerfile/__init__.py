"""Reading Dockerfiles: parser, word expansion, stages and context sources."""
