package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"helm.sh/helm/v4/pkg/action"
	"helm.sh/helm/v4/pkg/chart"
	"helm.sh/helm/v4/pkg/chart/common"
	"helm.sh/helm/v4/pkg/chart/loader"
	loaderv2 "helm.sh/helm/v4/pkg/chart/v2/loader"
	"helm.sh/helm/v4/pkg/cli"
	"helm.sh/helm/v4/pkg/postrenderer"
	release "helm.sh/helm/v4/pkg/release/v1"
)

// Request is what `helm template <releaseName> <chartPath> --namespace <namespace> --values -
// --kube-version <kubeVersion> --api-versions <apiVersions> [--is-upgrade]
// [--skip-schema-validation] [--post-renderer <plugin> --post-renderer-args <arg>…]` is given.
type Request struct {
	ID          uint64 `json:"id"`
	ReleaseName string `json:"releaseName"`
	Namespace   string `json:"namespace"`
	ChartPath   string `json:"chartPath"`
	// Values as `--values -` reads them (YAML or JSON).
	Values               string        `json:"values"`
	KubeVersion          string        `json:"kubeVersion"`
	APIVersions          []string      `json:"apiVersions"`
	IsUpgrade            bool          `json:"isUpgrade"`
	SkipSchemaValidation bool          `json:"skipSchemaValidation"`
	PostRenderer         *PostRenderer `json:"postRenderer,omitempty"`
}

// PostRenderer names a `postrenderer/v1` plugin in $HELM_DATA_HOME/plugins and its arguments.
type PostRenderer struct {
	Plugin string   `json:"plugin"`
	Args   []string `json:"args"`
}

// Response is what `helm template` prints (Output: the manifest, then each hook), with the
// release's notes and hook count beside it, or Error: the error `helm template` reports.
type Response struct {
	ID     uint64 `json:"id"`
	Output string `json:"output,omitempty"`
	Notes  string `json:"notes,omitempty"`
	Hooks  int    `json:"hooks,omitempty"`
	Error  string `json:"error,omitempty"`
}

func render(request Request) (response Response) {
	response.ID = request.ID
	defer func() {
		if p := recover(); p != nil {
			response = Response{ID: request.ID, Error: fmt.Sprintf("the renderer failed on this chart: %v", p)}
		}
	}()
	rel, err := install(request)
	if err != nil {
		// helm template's own wording: a release that failed to render comes with this hint.
		if rel != nil {
			err = fmt.Errorf("%w\n\nUse --debug flag to render out invalid YAML", err)
		}
		response.Error = err.Error()
		return response
	}
	var manifests bytes.Buffer
	fmt.Fprintln(&manifests, strings.TrimSpace(rel.Manifest))
	for _, hook := range rel.Hooks {
		fmt.Fprintf(&manifests, "---\n# Source: %s\n%s\n", hook.Path, hook.Manifest)
	}
	response.Output = manifests.String()
	response.Notes = rel.Info.Notes
	response.Hooks = len(rel.Hooks)
	return response
}

// install runs Helm's install action client-side only, as `helm template` does.
func install(request Request) (*release.Release, error) {
	client := action.NewInstall(action.NewConfiguration())
	client.DryRunStrategy = action.DryRunClient
	client.Replace = true // helm template: skip the name check
	client.ReleaseName = request.ReleaseName
	client.Namespace = request.Namespace
	client.IsUpgrade = request.IsUpgrade
	client.SkipSchemaValidation = request.SkipSchemaValidation
	client.APIVersions = common.VersionSet(request.APIVersions)
	if request.KubeVersion != "" {
		kubeVersion, err := common.ParseKubeVersion(request.KubeVersion)
		if err != nil {
			return nil, fmt.Errorf("invalid kube version '%s': %w", request.KubeVersion, err)
		}
		client.KubeVersion = kubeVersion
	}
	if request.PostRenderer != nil {
		renderer, err := postrenderer.NewPostRendererPlugin(cli.New(), request.PostRenderer.Plugin, request.PostRenderer.Args...)
		if err != nil {
			return nil, fmt.Errorf("invalid argument %q for \"--post-renderer\" flag: %w", request.PostRenderer.Plugin, err)
		}
		client.PostRenderer = renderer
	}
	chartPath, err := locate(request.ChartPath)
	if err != nil {
		return nil, err
	}
	current, err := loaderv2.LoadValues(strings.NewReader(request.Values))
	if err != nil {
		return nil, fmt.Errorf("failed to parse -: %w", err)
	}
	values := loaderv2.MergeMaps(map[string]any{}, current)
	loaded, err := loader.Load(chartPath)
	if err != nil {
		return nil, err
	}
	accessor, err := chart.NewAccessor(loaded)
	if err != nil {
		return nil, err
	}
	switch accessor.MetadataAsMap()["Type"] {
	case "", "application":
	default:
		return nil, fmt.Errorf("%s charts are not installable", accessor.MetadataAsMap()["Type"])
	}
	if dependencies := accessor.MetaDependencies(); len(dependencies) > 0 {
		if err := action.CheckDependencies(loaded, dependencies); err != nil {
			return nil, fmt.Errorf("an error occurred while checking for chart dependencies. You may need to run 'helm dependency build' to fetch missing dependencies: %w", err)
		}
	}
	result, runErr := client.RunWithContext(context.Background(), loaded, values)
	var rel *release.Release
	switch r := result.(type) {
	case *release.Release:
		rel = r
	case release.Release:
		rel = &r
	case nil:
	default:
		return nil, fmt.Errorf("unsupported release type: %T", result)
	}
	return rel, runErr
}

// locate is helm's LocateChart for a local chart: the path made absolute, or "not found".
func locate(path string) (string, error) {
	path = strings.TrimSpace(path)
	if _, err := os.Stat(path); err != nil {
		return path, fmt.Errorf("path %q not found", path)
	}
	return filepath.Abs(path)
}
