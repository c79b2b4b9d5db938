# The offline stand-in for node:20-bookworm-slim: Debian minbase plus the host's Node 20 binary,
# at the same path as in the official image. Built by scripts/base-images.sh with --network=none.
ARG BASE=berth-base/debian:bookworm
FROM ${BASE}
COPY node /usr/local/bin/node
ENV NODE_VERSION=20
CMD ["node"]
