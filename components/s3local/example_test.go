package s3local_test

import (
	"context"
	"fmt"
	"log"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/skeinhq/skein/components/s3local"
)

// Code under test talks to the local server through the SDK's own S3 client; the test reads
// what it wrote straight from the store.
func ExampleStart() {
	srv, err := s3local.Start("data")
	if err != nil {
		log.Fatal(err)
	}
	defer func() { _ = srv.Close() }()

	_, err = srv.Client().PutObject(context.Background(), &s3.PutObjectInput{
		Bucket: aws.String("data"), Key: aws.String("raw/device-1.json"), Body: strings.NewReader(`{"v":1}`),
	})
	if err != nil {
		log.Fatal(err)
	}
	objects, _ := srv.List("data", "raw/")
	body, _ := srv.Get("data", "raw/device-1.json")
	fmt.Println(len(objects), objects[0].Key, objects[0].Size, string(body))
	// Output:
	// 1 raw/device-1.json 7 {"v":1}
}
