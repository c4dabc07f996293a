//go:build tools

// Package tools pins the etcd server command the end-to-end suite builds.
package tools

import _ "go.etcd.io/etcd/server/v3"
