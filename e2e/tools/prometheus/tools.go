//go:build tools

// Package tools pins the promtool command the end-to-end suite uses to check and unit-test the
// alerting rules of manifests/components/monitoring.
package tools

import _ "github.com/prometheus/prometheus/cmd/promtool"
