// Builds Metacontroller v4.17.2, the version manifests/metacontroller installs. Its go.mod declares
// the module path `metacontroller`, so the GitHub path is reached through a replace directive at
// the v4.17.2 commit (76b818bd, 2026-08-13). Go ignores the v4 tags of a module without a /v4
// suffix, so the canonical pseudo-version builds on the last v1 tag (v1.5.20).
// Not buildable here yet: the module proxy this project reaches does not serve that version
// (403 "This module version is not available"; docs/e2e.md). e2e/tools/build.sh tries it and
// says so.
module wandb-infra-hooks/e2e/tools/metacontroller

go 1.26.4

require metacontroller v0.0.0

replace metacontroller => github.com/metacontroller/metacontroller v1.5.21-0.20260813213314-76b818bdc67b
