//go:build tools

// Package tools pins controller-gen, the generator the Prometheus Operator makes its CRDs with:
// the e2e suite generates the PrometheusRule, ServiceMonitor and PodMonitor CRDs from the
// operator's Go types (the module e2e/tools/prometheus-operator pins) with it.
package tools

import _ "sigs.k8s.io/controller-tools/cmd/controller-gen"
