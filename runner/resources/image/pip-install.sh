#!/bin/sh
# `pip install` inside the image build, trusting the CA bundle handed to the build as the BuildKit secret
# `ca_bundle` (needed behind TLS-inspecting proxies); without the secret, pip's own certificates.
set -eu
if [ -s /run/secrets/ca_bundle ]; then
    export PIP_CERT=/run/secrets/ca_bundle
fi
exec pip install "$@"
