// Command served writes the OpenAPI document exactly as Haven serves it at
// /api/v1/openapi.json (api.SpecJSON), indented so that lint messages point
// at readable lines. `make lint` lints this file besides api/openapi.yaml
// because what clients get is the document as Go reads the YAML: a quirk
// such as an unquoted 18_24, which Go's YAML reader takes for the number
// 1824, shows up only here.
//
//	go run ./api/lint/served -o api/lint/openapi.served.json
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"

	"github.com/haven-mh/haven/api"
)

func main() {
	out := flag.String("o", "", "write to this file instead of standard output")
	flag.Parse()
	if err := run(*out); err != nil {
		fmt.Fprintln(os.Stderr, "served:", err)
		os.Exit(1)
	}
}

func run(out string) error {
	raw, err := api.SpecJSON()
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := json.Indent(&buf, raw, "", "  "); err != nil {
		return fmt.Errorf("indent: %w", err)
	}
	buf.WriteByte('\n')
	if out == "" {
		_, err = os.Stdout.Write(buf.Bytes())
		return err
	}
	return os.WriteFile(out, buf.Bytes(), 0o644)
}
