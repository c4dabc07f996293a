//go:build tools

// Package tools pins the Prometheus Operator's Go types: the e2e suite generates the operator's
// CRDs from this package's directory with controller-gen (e2e/tools/controller-tools), as the
// operator's Makefile does.
package tools

import _ "github.com/prometheus-operator/prometheus-operator/pkg/apis/monitoring/v1"
