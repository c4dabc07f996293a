//go:build tools

// Package tools pins the kube-state-metrics command the end-to-end suite runs against the control
// plane with our custom-resource-state configuration (manifests/components/monitoring).
package tools

import _ "k8s.io/kube-state-metrics/v2"
