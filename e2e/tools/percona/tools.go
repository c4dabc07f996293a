//go:build tools

// Package tools pins the Percona operator command the end-to-end suite builds.
package tools

import _ "github.com/percona/percona-xtradb-cluster-operator/cmd/manager"
