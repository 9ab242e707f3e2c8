package bucket

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/skeinhq/skein/components/check"
	"github.com/skeinhq/skein/components/policy"
)

// Access is what a grant allows.
type Access string

// Accesses. Each lists the exact actions it grants.
const (
	// Read allows ReadActions on objects (and kms:Decrypt with SSE-KMS).
	Read Access = "read"
	// Write allows WriteActions on objects (and kms:GenerateDataKey, kms:Decrypt with SSE-KMS).
	Write Access = "write"
	// ReadWrite is Read and Write together, in one policy.
	ReadWrite Access = "read-write"
	// List allows ListActions on the bucket, limited to the prefixes by an s3:prefix condition.
	List Access = "list"
	// Delete allows DeleteActions on objects.
	Delete Access = "delete"
)

// The exact actions of each Access. Each call returns a fresh slice.

// ReadActions read an object, an older version of it, and its tags. Without List, reading a
// key that does not exist fails with AccessDenied instead of NoSuchKey.
func ReadActions() []string {
	return []string{"s3:GetObject", "s3:GetObjectVersion", "s3:GetObjectTagging"}
}

// WriteActions create or replace objects (single or multipart) and their tags. They do not
// delete: see Delete.
func WriteActions() []string {
	return []string{"s3:PutObject", "s3:PutObjectTagging", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts"}
}

// ListActions list keys.
func ListActions() []string { return []string{"s3:ListBucket"} }

// DeleteActions delete the current version of an object (on a versioned bucket: add a delete
// marker; the lifecycle rule expires the noncurrent version later). Deleting a specific
// version (s3:DeleteObjectVersion) is never granted.
func DeleteActions() []string { return []string{"s3:DeleteObject"} }

// KmsReadActions are added to Read with SSE-KMS.
func KmsReadActions() []string { return []string{"kms:Decrypt"} }

// KmsWriteActions are added to Write with SSE-KMS: a multipart upload decrypts the data key
// to encrypt each part.
func KmsWriteActions() []string { return []string{"kms:GenerateDataKey", "kms:Decrypt"} }

// GrantRead lets g read objects under prefixes (every object when none): ReadActions, plus
// KmsReadActions on the bucket's key with SSE-KMS.
func (b *Bucket) GrantRead(g policy.Grantee, prefixes ...string) (*policy.Grant, error) {
	return b.grant("GrantRead", g, Read, prefixes)
}

// GrantWrite lets g write objects under prefixes (every object when none): WriteActions, plus
// KmsWriteActions on the bucket's key with SSE-KMS.
func (b *Bucket) GrantWrite(g policy.Grantee, prefixes ...string) (*policy.Grant, error) {
	return b.grant("GrantWrite", g, Write, prefixes)
}

// GrantReadWrite is GrantRead and GrantWrite in one inline policy.
func (b *Bucket) GrantReadWrite(g policy.Grantee, prefixes ...string) (*policy.Grant, error) {
	return b.grant("GrantReadWrite", g, ReadWrite, prefixes)
}

// GrantList lets g list keys under prefixes (every key when none): ListActions on the bucket with
// a StringLike s3:prefix condition of "prefix*" per prefix.
func (b *Bucket) GrantList(g policy.Grantee, prefixes ...string) (*policy.Grant, error) {
	return b.grant("GrantList", g, List, prefixes)
}

// GrantDelete lets g delete objects under prefixes (every object when none): DeleteActions.
func (b *Bucket) GrantDelete(g policy.Grantee, prefixes ...string) (*policy.Grant, error) {
	return b.grant("GrantDelete", g, Delete, prefixes)
}

// Grant attaches an inline policy to g giving access under prefixes, named
// "<bucket>-<access>[-<prefixes>]" (the grantee adds its own name), and returns it. Granting the
// same access on the same prefixes twice to one grantee fails, as Pulumi rejects the duplicate
// name; so does a nil g (a typed nil pointer included).
func (b *Bucket) Grant(g policy.Grantee, access Access, prefixes ...string) (*policy.Grant, error) {
	return b.grant("Grant", g, access, prefixes)
}

func (b *Bucket) grant(field string, g policy.Grantee, access Access, prefixes []string) (*policy.Grant, error) {
	c := check.New("bucket", b.name)
	c.Join(policy.CheckGrantee("bucket", b.name, field, g))
	stmts, err := b.Statements(access, prefixes...)
	c.Join(err)
	if err := c.Err(); err != nil {
		return nil, err
	}
	return g.AttachPolicy(grantName(b.name, access, prefixes), policy.Document{Statements: stmts})
}

// Statements returns the identity statements of a grant without attaching them, for principals
// skein does not manage (a Step Functions role reading a manifest, a policy of your own).
func (b *Bucket) Statements(access Access, prefixes ...string) ([]policy.Statement, error) {
	c := check.New("bucket", b.name)
	switch access {
	case Read, Write, ReadWrite, List, Delete:
	default:
		c.Add("Grant.access", "must be one of read, write, read-write, list, delete", string(access))
	}
	seen := map[string]bool{}
	for i, p := range prefixes {
		if prob := prefixProblem(p); prob != "" {
			c.Add(fmt.Sprintf("Grant(%s).prefixes[%d]", access, i), prob, p)
		}
		if seen[p] {
			c.Add(fmt.Sprintf("Grant(%s).prefixes[%d]", access, i), "must be unique", p)
		}
		seen[p] = true
	}
	if err := c.Err(); err != nil {
		return nil, err
	}

	objects := b.objectArns(prefixes)
	var actions, kmsActions []string
	switch access {
	case Read:
		actions, kmsActions = ReadActions(), KmsReadActions()
	case Write:
		actions, kmsActions = WriteActions(), KmsWriteActions()
	case ReadWrite:
		actions = append(append([]string{}, ReadActions()...), WriteActions()...)
		kmsActions = KmsWriteActions() // kms:Decrypt is already there
	case Delete:
		actions = DeleteActions()
	case List:
		st := policy.Statement{Sid: "List", Actions: ListActions(), Resources: []pulumi.StringInput{b.Arn}}
		if len(prefixes) > 0 {
			vals := make([]string, len(prefixes))
			for i, p := range prefixes {
				vals[i] = p + "*"
			}
			st.Conditions = []policy.Condition{{Test: "StringLike", Variable: "s3:prefix", Values: policy.Strings(vals...)}}
		}
		return []policy.Statement{st}, nil
	}
	stmts := []policy.Statement{{Sid: sid(access), Actions: actions, Resources: objects}}
	if b.encryption == SseKms && len(kmsActions) > 0 {
		stmts = append(stmts, policy.Statement{
			Sid:       sid(access) + "Key",
			Actions:   kmsActions,
			Resources: []pulumi.StringInput{b.keyArn},
			// The key may only be used through S3 in the bucket's region.
			Conditions: []policy.Condition{{Test: "StringEquals", Variable: "kms:ViaService", Values: policy.Strings("s3." + b.st.Region + ".amazonaws.com")}},
		})
	}
	return stmts, nil
}

// ObjectArn is the ARN pattern of the objects under prefix ("" means every object).
func (b *Bucket) ObjectArn(prefix string) pulumi.StringOutput {
	return pulumi.Sprintf("%s/%s*", b.Arn, prefix)
}

func (b *Bucket) objectArns(prefixes []string) []pulumi.StringInput {
	if len(prefixes) == 0 {
		return []pulumi.StringInput{b.ObjectArn("")}
	}
	out := make([]pulumi.StringInput, len(prefixes))
	for i, p := range prefixes {
		out[i] = b.ObjectArn(p)
	}
	return out
}

func sid(a Access) string {
	switch a {
	case Read:
		return "Read"
	case Write:
		return "Write"
	case ReadWrite:
		return "ReadWrite"
	case Delete:
		return "Delete"
	}
	return "List"
}

// grantName is "<bucket>-<access>" followed by a slug of the prefixes, shortened with a stable
// hash when long: "raw-read-incoming".
func grantName(bucket string, a Access, prefixes []string) string {
	name := bucket + "-" + string(a)
	if len(prefixes) == 0 {
		return name
	}
	parts := make([]string, len(prefixes))
	for i, p := range prefixes {
		parts[i] = slug(p)
	}
	tail := strings.Join(parts, "-")
	if len(tail) > 40 || tail == "" {
		sum := sha256.Sum256([]byte(strings.Join(prefixes, "\x00")))
		h := hex.EncodeToString(sum[:])[:8]
		if len(tail) > 31 {
			tail = strings.TrimRight(tail[:31], "-")
		}
		tail = strings.Trim(tail+"-"+h, "-")
	}
	return name + "-" + tail
}

// slug keeps lowercase letters and digits and turns runs of anything else into one "-".
func slug(s string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(s) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			b.WriteRune(r)
			dash = false
			continue
		}
		if !dash && b.Len() > 0 {
			b.WriteByte('-')
			dash = true
		}
	}
	return strings.TrimRight(b.String(), "-")
}
