// Package s3local runs an S3-compatible server in-process (gofakes3 with its in-memory backend)
// on a loopback port, and builds aws-sdk-go-v2 S3 clients pointed at it with a custom endpoint
// and path-style addressing: what the handler tests and `make local` use instead of AWS.
//
// # Defaults
//
// Listens on 127.0.0.1 on a free port; region us-east-1; static dummy credentials (nothing is
// read from the environment, so no real credentials can be picked up or sent).
//
// # Escape hatches
//
// [Server.Handler] is the raw gofakes3 handler; [ClientFor] points a client at any endpoint;
// [Server.List] and [Server.Get] read the store directly, for checks after a run.
package s3local
