// Command summarise is the nightly report's summarise worker (internal/report.Summarise).
package main

import (
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"example.com/nightly/handlers/internal/report"
)

func main() {
	report.Main(func(c *s3.Client, bucket string) any { return (&report.Summarise{S3: c, Bucket: bucket}).Handle })
}
