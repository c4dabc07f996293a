// Command decode-monitoring-objects decodes the Prometheus Operator objects of a multi-document
// YAML stream (stdin) strictly into the operator's own Go types: an unknown field, a duplicate field
// or a wrong type is an error, as the operator's CRDs (not in ../shared/crds) would refuse or prune
// it. Other kinds are skipped. It prints one line per object and exits 1 if any failed.
package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"

	monitoringv1 "github.com/prometheus-operator/prometheus-operator/pkg/apis/monitoring/v1"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/yaml"
)

func target(apiVersion, kind string) any {
	if apiVersion != monitoringv1.SchemeGroupVersion.String() {
		return nil
	}
	switch kind {
	case monitoringv1.PrometheusRuleKind:
		return &monitoringv1.PrometheusRule{}
	case monitoringv1.ServiceMonitorsKind:
		return &monitoringv1.ServiceMonitor{}
	case monitoringv1.PodMonitorsKind:
		return &monitoringv1.PodMonitor{}
	}
	return nil
}

func main() {
	reader := utilyaml.NewYAMLReader(bufio.NewReader(os.Stdin))
	failed := false
	for {
		raw, err := reader.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			fmt.Println("error:", err)
			os.Exit(1)
		}
		var head struct {
			APIVersion string `json:"apiVersion"`
			Kind       string `json:"kind"`
			Metadata   struct {
				Name string `json:"name"`
			} `json:"metadata"`
		}
		if err := yaml.Unmarshal(raw, &head); err != nil || head.Kind == "" {
			continue
		}
		object := target(head.APIVersion, head.Kind)
		if object == nil {
			fmt.Printf("skipped %s %s/%s\n", head.APIVersion, head.Kind, head.Metadata.Name)
			continue
		}
		if err := yaml.UnmarshalStrict(raw, object); err != nil {
			failed = true
			fmt.Printf("invalid %s/%s: %v\n", head.Kind, head.Metadata.Name, err)
			continue
		}
		fmt.Printf("valid %s/%s\n", head.Kind, head.Metadata.Name)
	}
	if failed {
		os.Exit(1)
	}
}
