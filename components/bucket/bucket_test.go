package bucket

import (
	"strings"
	"sync"
	"testing"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/kms"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/s3"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/skeinhq/skein/components/internal/testkit"
	"github.com/skeinhq/skein/components/plan"
	"github.com/skeinhq/skein/components/policy"
)

const (
	tBucketV2     = "aws:s3/bucketV2:BucketV2"
	tPAB          = "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"
	tOwnership    = "aws:s3/bucketOwnershipControls:BucketOwnershipControls"
	tEncryption   = "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2"
	tVersioning   = "aws:s3/bucketVersioningV2:BucketVersioningV2"
	tLifecycle    = "aws:s3/bucketLifecycleConfigurationV2:BucketLifecycleConfigurationV2"
	tLogging      = "aws:s3/bucketLoggingV2:BucketLoggingV2"
	tPolicy       = "aws:s3/bucketPolicy:BucketPolicy"
	tNotification = "aws:s3/bucketNotification:BucketNotification"
	tKey          = "aws:kms/key:Key"
	tRule         = "aws:cloudwatch/eventRule:EventRule"
	tTarget       = "aws:cloudwatch/eventTarget:EventTarget"
	tRole         = "aws:iam/role:Role"
	tRolePolicy   = "aws:iam/rolePolicy:RolePolicy"
)

func mustRun(t *testing.T, opts plan.Options, program pulumi.RunFunc) *plan.Plan {
	t.Helper()
	p, err := plan.Run(program, opts)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func newBucket(name string, args *BucketArgs) pulumi.RunFunc {
	return func(ctx *pulumi.Context) error {
		_, err := NewBucket(ctx, name, args)
		return err
	}
}

func TestDefaults(t *testing.T) {
	p := mustRun(t, plan.Options{}, newBucket("raw", nil))
	comp := p.Find(Type, "raw")
	if comp == nil {
		t.Fatal("no component")
	}
	b := p.Find(tBucketV2, "raw")
	if b == nil {
		t.Fatal("no bucket")
	}
	name := b.Outputs["bucket"].(string)
	if b.Get("bucket") != nil {
		t.Errorf("bucket name set to %v; want auto-naming", b.Get("bucket"))
	}
	if !strings.HasPrefix(name, "raw-") {
		t.Errorf("auto-name %q", name)
	}
	if b.Get("forceDestroy") != true {
		t.Errorf("forceDestroy = %v outside production, want true", b.Get("forceDestroy"))
	}
	if b.Protect {
		t.Error("protected outside production")
	}
	if b.String("tags.skein:component") != "raw" || b.String("tags.skein:stage") != "test" {
		t.Errorf("tags = %v", b.Get("tags"))
	}
	for _, k := range []string{"acl", "policy", "grants", "lifecycleRules", "versionings", "serverSideEncryptionConfigurations", "loggings"} {
		if v := b.Get(k); v != nil {
			t.Errorf("deprecated inline %s set on the bucket: %v", k, v)
		}
	}

	pab := p.Find(tPAB, "raw-public-access-block")
	for _, k := range []string{"blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"} {
		if pab.Get(k) != true {
			t.Errorf("public access block %s = %v", k, pab.Get(k))
		}
	}
	if got := p.Find(tOwnership, "raw-ownership").String("rule.objectOwnership"); got != "BucketOwnerEnforced" {
		t.Errorf("objectOwnership = %q", got)
	}
	enc := p.Find(tEncryption, "raw-encryption")
	if got := enc.String("rules.0.applyServerSideEncryptionByDefault.sseAlgorithm"); got != "AES256" {
		t.Errorf("sseAlgorithm = %q", got)
	}
	if got := p.Find(tVersioning, "raw-versioning").String("versioningConfiguration.status"); got != "Enabled" {
		t.Errorf("versioning = %q", got)
	}
	lc := p.Find(tLifecycle, "raw-lifecycle")
	if got := lc.String("rules.0.id"); got != "abort-incomplete-multipart-uploads" {
		t.Errorf("rule 0 = %q", got)
	}
	if got := lc.Get("rules.0.abortIncompleteMultipartUpload.daysAfterInitiation"); got != 7.0 {
		t.Errorf("abort days = %v", got)
	}
	if got := lc.Get("rules.0.filter.prefix"); got != "" {
		t.Errorf("abort rule filter prefix = %v, want whole bucket", got)
	}
	if got := lc.Get("rules.1.noncurrentVersionExpiration.noncurrentDays"); got != 30.0 {
		t.Errorf("noncurrent days = %v", got)
	}
	if got := lc.Get("rules.1.noncurrentVersionExpiration.newerNoncurrentVersions"); got != nil {
		t.Errorf("newerNoncurrentVersions = %v, want unset", got)
	}
	if got := lc.Get("rules.1.expiration.expiredObjectDeleteMarker"); got != true {
		t.Errorf("expiredObjectDeleteMarker = %v", got)
	}
	if n := len(lc.Get("rules").([]any)); n != 2 {
		t.Errorf("%d lifecycle rules, want 2", n)
	}
	if p.Find(tLogging, "raw-logging") != nil {
		t.Error("access logging on by default")
	}
	if p.Find(tKey, "raw-key") != nil {
		t.Error("KMS key with SSE-S3")
	}
	if got := p.Find(tNotification, "raw-notifications").Get("eventbridge"); got != true {
		t.Errorf("eventbridge = %v", got)
	}
	// Every sub-resource points at this bucket.
	for _, typ := range []string{tPAB, tOwnership, tEncryption, tVersioning, tLifecycle, tPolicy, tNotification} {
		for _, r := range p.OfType(typ) {
			if r.String("bucket") != name {
				t.Errorf("%s %s bucket = %q, want %q", typ, r.Name, r.String("bucket"), name)
			}
		}
	}

	var doc testkit.Document
	pol := p.Find(tPolicy, "raw-policy")
	if err := pol.Json("policy", &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Statement) != 2 || doc.Statement[0].Sid != "DenyInsecureTransport" || doc.Statement[1].Sid != "DenyOutdatedTLS" {
		t.Fatalf("policy statements = %+v", doc.Statement)
	}
	if got := doc.Statement[1].Condition["NumericLessThan"]["s3:TlsVersion"]; got != "1.2" {
		t.Errorf("TLS condition = %v", got)
	}
	arn := b.Arn()
	if res, _ := doc.Statement[0].Resource.([]any); len(res) != 2 || res[0] != arn || res[1] != arn+"/*" {
		t.Errorf("guard resources = %v", doc.Statement[0].Resource)
	}

	// Every child is parented to the component; there is exactly one bucket policy.
	children := p.ChildrenOf(Type, "raw")
	if len(children) != 8 || p.Len() != 9 {
		t.Errorf("%d children, %d resources; want 8 and 9", len(children), p.Len())
	}
	if n := len(p.OfType(tPolicy)); n != 1 {
		t.Errorf("%d bucket policies", n)
	}
	if comp.Outputs["arn"] != arn || comp.Outputs["name"] != name || comp.Outputs["keyArn"] != "" {
		t.Errorf("component outputs = %v", comp.Outputs)
	}
	if comp.Outputs["domainName"] != name+".s3.us-east-1.amazonaws.com" {
		t.Errorf("domainName = %v", comp.Outputs["domainName"])
	}
}

func TestProduction(t *testing.T) {
	p := mustRun(t, plan.Options{Stack: "prod"}, newBucket("raw", &BucketArgs{Encryption: SseKms}))
	b := p.Find(tBucketV2, "raw")
	if b.Get("forceDestroy") != false {
		t.Errorf("forceDestroy = %v in production", b.Get("forceDestroy"))
	}
	if !b.Protect {
		t.Error("bucket not protected in production")
	}
	key := p.Find(tKey, "raw-key")
	if !key.Protect || key.Get("deletionWindowInDays") != 30.0 || key.Get("enableKeyRotation") != true {
		t.Errorf("key protect=%v inputs=%v", key.Protect, key.Inputs)
	}
	if got := p.Find(tLifecycle, "raw-lifecycle").Get("rules.1.noncurrentVersionExpiration.noncurrentDays"); got != 90.0 {
		t.Errorf("production noncurrent days = %v", got)
	}
	for _, r := range p.ChildrenOf(Type, "raw") {
		if r.Protect && r.Type != tBucketV2 && r.Type != tKey {
			t.Errorf("%s %s protected; only data stores should be", r.Type, r.Name)
		}
	}
}

func TestRetainObjects(t *testing.T) {
	p := mustRun(t, plan.Options{}, newBucket("raw", &BucketArgs{RetainObjects: true}))
	if got := p.Find(tBucketV2, "raw").Get("forceDestroy"); got != false {
		t.Errorf("forceDestroy = %v with RetainObjects", got)
	}
}

func TestKMS(t *testing.T) {
	p := mustRun(t, plan.Options{}, newBucket("raw", &BucketArgs{Encryption: SseKms}))
	key := p.Find(tKey, "raw-key")
	if key == nil {
		t.Fatal("no key")
	}
	if key.Get("enableKeyRotation") != true || key.Get("deletionWindowInDays") != 7.0 {
		t.Errorf("key inputs = %v", key.Inputs)
	}
	enc := p.Find(tEncryption, "raw-encryption")
	if got := enc.String("rules.0.applyServerSideEncryptionByDefault.sseAlgorithm"); got != "aws:kms" {
		t.Errorf("sseAlgorithm = %q", got)
	}
	if got := enc.String("rules.0.applyServerSideEncryptionByDefault.kmsMasterKeyId"); got != key.Arn() {
		t.Errorf("kmsMasterKeyId = %q, want %q", got, key.Arn())
	}
	if enc.Get("rules.0.bucketKeyEnabled") != true {
		t.Error("bucket key off")
	}
	if got := p.Find(Type, "raw").Outputs["keyArn"]; got != key.Arn() {
		t.Errorf("keyArn output = %v", got)
	}

	const given = "arn:aws:kms:us-east-1:123456789012:key/11111111-2222-3333-4444-555555555555"
	p = mustRun(t, plan.Options{}, newBucket("raw", &BucketArgs{Encryption: SseKms, KmsKeyArn: pulumi.String(given)}))
	if p.Find(tKey, "raw-key") != nil {
		t.Error("created a key although one was given")
	}
	if got := p.Find(tEncryption, "raw-encryption").String("rules.0.applyServerSideEncryptionByDefault.kmsMasterKeyId"); got != given {
		t.Errorf("kmsMasterKeyId = %q", got)
	}
}

func TestLifecycleAndLogging(t *testing.T) {
	p := mustRun(t, plan.Options{}, newBucket("raw", &BucketArgs{
		NoncurrentDays:            3,
		NoncurrentVersionsToKeep:  5,
		AbortIncompleteUploadDays: 2,
		Expirations:               []Expiration{{Prefix: "tmp/", Days: 1}, {Prefix: strings.Repeat("k", 300), Days: 400}},
		AccessLogs:                &AccessLogs{Bucket: pulumi.String("logs-abc")},
	}))
	lc := p.Find(tLifecycle, "raw-lifecycle")
	checks := map[string]any{
		"rules.0.abortIncompleteMultipartUpload.daysAfterInitiation":  2.0,
		"rules.1.noncurrentVersionExpiration.noncurrentDays":          3.0,
		"rules.1.noncurrentVersionExpiration.newerNoncurrentVersions": 5.0,
		"rules.2.id":              "expire-tmp/",
		"rules.2.filter.prefix":   "tmp/",
		"rules.2.expiration.days": 1.0,
		"rules.2.status":          "Enabled",
		"rules.3.expiration.days": 400.0,
	}
	for path, want := range checks {
		if got := lc.Get(path); got != want {
			t.Errorf("%s = %v, want %v", path, got, want)
		}
	}
	if id := lc.String("rules.3.id"); len(id) != 255 || !strings.HasPrefix(id, "expire-kkk") {
		t.Errorf("long rule id %q (%d characters), want 255", id, len(id))
	}
	lg := p.Find(tLogging, "raw-logging")
	if lg.String("targetBucket") != "logs-abc" || lg.String("targetPrefix") != "raw/" ||
		lg.String("targetObjectKeyFormat.partitionedPrefix.partitionDateSource") != "EventTime" {
		t.Errorf("logging inputs = %v", lg.Inputs)
	}

	p = mustRun(t, plan.Options{}, newBucket("raw", &BucketArgs{Unversioned: true}))
	if p.Find(tVersioning, "raw-versioning") != nil {
		t.Error("versioning resource with Unversioned")
	}
	if n := len(p.Find(tLifecycle, "raw-lifecycle").Get("rules").([]any)); n != 1 {
		t.Errorf("%d lifecycle rules for an unversioned bucket, want 1 (abort uploads)", n)
	}
	p = mustRun(t, plan.Options{}, newBucket("raw", &BucketArgs{RetainNoncurrentVersions: true}))
	if n := len(p.Find(tLifecycle, "raw-lifecycle").Get("rules").([]any)); n != 1 {
		t.Errorf("%d lifecycle rules with RetainNoncurrentVersions, want 1", n)
	}
}

func TestExplicitName(t *testing.T) {
	p := mustRun(t, plan.Options{}, newBucket("raw", &BucketArgs{Name: "acme-raw-data.eu"}))
	if got := p.Find(tBucketV2, "raw").String("bucket"); got != "acme-raw-data.eu" {
		t.Errorf("bucket = %q", got)
	}
}

func TestTransforms(t *testing.T) {
	var seen []string
	mark := func(s string) { seen = append(seen, s) }
	_ = mustRun(t, plan.Options{}, func(ctx *pulumi.Context) error {
		b, err := NewBucket(ctx, "raw", &BucketArgs{
			Encryption: SseKms,
			AccessLogs: &AccessLogs{Bucket: pulumi.String("logs")},
			Transform: Transform{
				Bucket:            func(*s3.BucketV2Args) { mark("bucket") },
				PublicAccessBlock: func(*s3.BucketPublicAccessBlockArgs) { mark("pab") },
				OwnershipControls: func(*s3.BucketOwnershipControlsArgs) { mark("ownership") },
				Key:               func(*kms.KeyArgs) { mark("key") },
				Encryption:        func(*s3.BucketServerSideEncryptionConfigurationV2Args) { mark("encryption") },
				Versioning:        func(*s3.BucketVersioningV2Args) { mark("versioning") },
				Lifecycle:         func(*s3.BucketLifecycleConfigurationV2Args) { mark("lifecycle") },
				Logging:           func(*s3.BucketLoggingV2Args) { mark("logging") },
				Policy:            func(*s3.BucketPolicyArgs) { mark("policy") },
				Notification:      func(*s3.BucketNotificationArgs) { mark("notification") },
			},
		})
		if err != nil {
			return err
		}
		_, err = b.OnObjectCreated("in", &EventArgs{Transform: EventTransform{Rule: func(*cloudwatch.EventRuleArgs) { mark("rule") }}})
		return err
	})
	want := "bucket pab ownership key encryption versioning lifecycle logging policy notification rule"
	if got := strings.Join(seen, " "); got != want {
		t.Errorf("transforms ran: %s\nwant: %s", got, want)
	}
	p := mustRun(t, plan.Options{}, newBucket("raw", &BucketArgs{Transform: Transform{
		Bucket: func(a *s3.BucketV2Args) { a.ForceDestroy = pulumi.Bool(false) },
	}}))
	if got := p.Find(tBucketV2, "raw").Get("forceDestroy"); got != false {
		t.Errorf("transform did not apply: forceDestroy = %v", got)
	}
}

func TestPolicyStatementsAndLogDelivery(t *testing.T) {
	p := mustRun(t, plan.Options{}, newBucket("logs", &BucketArgs{
		ReceivesAccessLogs: true,
		PolicyStatements: []policy.Statement{{
			Sid:        "PartnerRead",
			Principals: []policy.Principal{{Type: "AWS", Identifiers: policy.Strings("arn:aws:iam::210987654321:root")}},
			Actions:    []string{"s3:GetObject"},
		}},
	}))
	var doc testkit.Document
	if err := p.Find(tPolicy, "logs-policy").Json("policy", &doc); err != nil {
		t.Fatal(err)
	}
	sids := []string{}
	for _, s := range doc.Statement {
		sids = append(sids, s.Sid)
	}
	if got := strings.Join(sids, ","); got != "DenyInsecureTransport,DenyOutdatedTLS,AllowServerAccessLogDelivery,PartnerRead" {
		t.Fatalf("sids = %s", got)
	}
	arn := p.Find(tBucketV2, "logs").Arn()
	if res, _ := doc.Statement[3].Resource.([]any); len(res) != 2 || res[0] != arn || res[1] != arn+"/*" {
		t.Errorf("a statement without Resources got %v, want the bucket and its objects", doc.Statement[3].Resource)
	}
	if got := doc.Statement[2].Condition["StringEquals"]["aws:SourceAccount"]; got != plan.DefaultAccount {
		t.Errorf("log delivery SourceAccount = %v", got)
	}
}

// deps records what each resource registration depended on: the plan does not keep dependsOn,
// and S3 requires the policy to wait for the public access block.
type deps struct {
	mu   sync.Mutex
	seen map[string][]string // name -> URNs depended on
}

func (d *deps) NewResource(args pulumi.MockResourceArgs) (string, resource.PropertyMap, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if args.RegisterRPC != nil {
		d.seen[args.Name] = args.RegisterRPC.GetDependencies()
	}
	return args.Name + "-id", args.Inputs, nil
}

func (d *deps) Call(args pulumi.MockCallArgs) (resource.PropertyMap, error) {
	return resource.PropertyMap{}, nil
}

func TestPolicyWaitsForPublicAccessBlock(t *testing.T) {
	d := &deps{seen: map[string][]string{}}
	err := pulumi.RunErr(func(ctx *pulumi.Context) error {
		b, err := NewBucket(ctx, "raw", nil)
		if err != nil {
			return err
		}
		_, err = b.OnObjectCreated("in", nil)
		return err
	}, pulumi.WithMocks("skein", "test", d), func(info *pulumi.RunInfo) {
		info.Config = map[string]string{"aws:region": "us-east-1", "skein:accountId": "123456789012"}
	})
	if err != nil {
		t.Fatal(err)
	}
	has := func(name, dep string) bool {
		for _, u := range d.seen[name] {
			if strings.HasSuffix(u, "::"+dep) {
				return true
			}
		}
		return false
	}
	if !has("raw-policy", "raw-public-access-block") {
		t.Errorf("the bucket policy does not depend on the public access block: %v", d.seen["raw-policy"])
	}
	if !has("raw-lifecycle", "raw-versioning") {
		t.Errorf("the lifecycle does not depend on versioning: %v", d.seen["raw-lifecycle"])
	}
	if !has("raw-in", "raw-notifications") {
		t.Errorf("the event rule does not depend on the notification: %v", d.seen["raw-in"])
	}
}

func TestValidation(t *testing.T) {
	long := strings.Repeat("a", 60)
	tests := []struct {
		name  string
		comp  string
		args  *BucketArgs
		field string
		value string
	}{
		{"upper name", "raw", &BucketArgs{Name: "Raw-Data"}, "Name", `"Raw-Data"`},
		{"short name", "raw", &BucketArgs{Name: "ab"}, "Name", `"ab"`},
		{"ip name", "raw", &BucketArgs{Name: "192.168.5.4"}, "Name", `"192.168.5.4"`},
		{"reserved prefix", "raw", &BucketArgs{Name: "xn--data"}, "Name", `"xn--data"`},
		{"reserved suffix", "raw", &BucketArgs{Name: "data-s3alias"}, "Name", `"data-s3alias"`},
		{"adjacent periods", "raw", &BucketArgs{Name: "data..raw"}, "Name", `"data..raw"`},
		{"auto-name too long", long, nil, "name", `"` + long + `"`},
		{"auto-name bad character", "raw_data", nil, "name", `"raw_data"`},
		{"encryption", "raw", &BucketArgs{Encryption: "AES"}, "Encryption", `"AES"`},
		{"key without kms", "raw", &BucketArgs{KmsKeyArn: pulumi.String("arn:aws:kms:us-east-1:1:key/x")}, "KmsKeyArn", "SSE-S3"},
		{"noncurrent days", "raw", &BucketArgs{NoncurrentDays: -1}, "NoncurrentDays", "-1"},
		{"noncurrent days high", "raw", &BucketArgs{NoncurrentDays: 36501}, "NoncurrentDays", "36501"},
		{"versions to keep", "raw", &BucketArgs{NoncurrentVersionsToKeep: 101}, "NoncurrentVersionsToKeep", "101"},
		{"versions without versioning", "raw", &BucketArgs{Unversioned: true, NoncurrentVersionsToKeep: 2}, "NoncurrentVersionsToKeep", "2"},
		{"retain without versioning", "raw", &BucketArgs{Unversioned: true, RetainNoncurrentVersions: true}, "RetainNoncurrentVersions", "true"},
		{"abort days", "raw", &BucketArgs{AbortIncompleteUploadDays: -3}, "AbortIncompleteUploadDays", "-3"},
		{"expiration prefix empty", "raw", &BucketArgs{Expirations: []Expiration{{Days: 1}}}, "Expirations[0].Prefix", `""`},
		{"expiration prefix wildcard", "raw", &BucketArgs{Expirations: []Expiration{{Prefix: "tmp/*", Days: 1}}}, "Expirations[0].Prefix", `"tmp/*"`},
		{"expiration prefix slash", "raw", &BucketArgs{Expirations: []Expiration{{Prefix: "/tmp", Days: 1}}}, "Expirations[0].Prefix", `"/tmp"`},
		{"expiration prefix too long", "raw", &BucketArgs{Expirations: []Expiration{{Prefix: strings.Repeat("x", 1025), Days: 1}}}, "Expirations[0].Prefix", "1025"},
		{"expiration days", "raw", &BucketArgs{Expirations: []Expiration{{Prefix: "tmp/", Days: 0}}}, "Expirations[0].Days", "0"},
		{"expiration duplicate", "raw", &BucketArgs{Expirations: []Expiration{{Prefix: "tmp/", Days: 1}, {Prefix: "tmp/", Days: 2}}}, "Expirations[1].Prefix", `"tmp/"`},
		{"too many rules", "raw", &BucketArgs{Expirations: manyExpirations(999)}, "Expirations", "999"},
		{"logs without bucket", "raw", &BucketArgs{AccessLogs: &AccessLogs{}}, "AccessLogs.Bucket", ""},
		{"logs prefix", "raw", &BucketArgs{AccessLogs: &AccessLogs{Bucket: pulumi.String("l"), Prefix: "/x"}}, "AccessLogs.Prefix", `"/x"`},
		{"log target with kms", "raw", &BucketArgs{ReceivesAccessLogs: true, Encryption: SseKms}, "ReceivesAccessLogs", "SSE-KMS"},
		{"statement without principal", "raw", &BucketArgs{PolicyStatements: []policy.Statement{{Actions: []string{"s3:GetObject"}}}}, "PolicyStatements[0].Principals", ""},
		{"public statement", "raw", &BucketArgs{PolicyStatements: []policy.Statement{{Sid: "Public", Principals: []policy.Principal{policy.Everyone()}, Actions: []string{"s3:GetObject"}}}}, "PolicyStatements[0]", `"Public"`},
		{"non-s3 action", "raw", &BucketArgs{PolicyStatements: []policy.Statement{{Principals: []policy.Principal{policy.Service("x.amazonaws.com")}, Actions: []string{"sqs:SendMessage"}}}}, "PolicyStatements[0].Actions", `"sqs:SendMessage"`},
		{"wildcard allow", "raw", &BucketArgs{PolicyStatements: []policy.Statement{{Principals: []policy.Principal{policy.Service("x.amazonaws.com")}, Actions: []string{"s3:*"}}}}, "PolicyStatements[0]", "wildcard"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := plan.Run(newBucket(tt.comp, tt.args), plan.Options{})
			testkit.FieldError(t, err, `bucket "`+tt.comp+`"`, tt.field, tt.value)
			if p.Len() != 0 {
				t.Errorf("bad input registered %d resources", p.Len())
			}
		})
	}
}

func manyExpirations(n int) []Expiration {
	out := make([]Expiration, n)
	for i := range out {
		out[i] = Expiration{Prefix: "p" + strings.Repeat("x", i%7) + string(rune('a'+i%26)) + "/" + itoa(i), Days: 1}
	}
	return out
}

func itoa(i int) string {
	const digits = "0123456789"
	if i < 10 {
		return digits[i : i+1]
	}
	return itoa(i/10) + digits[i%10:i%10+1]
}

func TestValidationReportsEverythingAtOnce(t *testing.T) {
	p, err := plan.Run(newBucket("raw", &BucketArgs{
		Name:           "Bad_Name",
		NoncurrentDays: -1,
		Expirations:    []Expiration{{Prefix: "*", Days: 0}},
	}), plan.Options{Config: map[string]string{"skein:logRetentionDays": "2"}})
	if err == nil {
		t.Fatal("no error")
	}
	for _, want := range []string{"Name ", "NoncurrentDays ", "Expirations[0].Prefix ", "Expirations[0].Days ", "skein:logRetentionDays"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not report %q:\n%v", want, err)
		}
	}
	if p.Len() != 0 {
		t.Errorf("registered %d resources", p.Len())
	}
}
