// Command echo is a minimal handler the worker's tests build.
package main

import (
	"context"

	"github.com/aws/aws-lambda-go/lambda"
)

type event struct {
	Message string `json:"message"`
}

func handle(_ context.Context, e event) (event, error) { return e, nil }

func main() { lambda.Start(handle) }
