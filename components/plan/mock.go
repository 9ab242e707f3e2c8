package plan

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/tokens"
)

func typeOf(s string) tokens.Type           { return tokens.Type(s) }
func pulumiName(s string) tokens.QName      { return tokens.QName(s) }
func pulumiPkg(s string) tokens.PackageName { return tokens.PackageName(s) }

// physicalName is the input name when given, or Pulumi's auto-name shape with a stable suffix.
func (p *Plan) physicalName(typ, name string, in resource.PropertyMap, keys ...string) string {
	for _, k := range keys {
		if v, ok := in[resource.PropertyKey(k)]; ok && v.IsString() && v.StringValue() != "" {
			return v.StringValue()
		}
	}
	for _, k := range keys {
		if v, ok := in[resource.PropertyKey(k+"Prefix")]; ok && v.IsString() && v.StringValue() != "" {
			return v.StringValue() + hash7(p.opts.Stack, typ, name)
		}
	}
	return name + "-" + hash7(p.opts.Stack, typ, name)
}

func str(in resource.PropertyMap, key string) string {
	if v, ok := in[resource.PropertyKey(key)]; ok {
		if v.IsSecret() {
			v = v.SecretValue().Element
		}
		if v.IsString() {
			return v.StringValue()
		}
	}
	return ""
}

func uuidOf(parts ...string) string {
	h := hash7(parts...) + hash7(append(parts, "1")...) + hash7(append(parts, "2")...) + hash7(append(parts, "3")...) + hash7(append(parts, "4")...)
	return h[0:8] + "-" + h[8:12] + "-4" + h[13:16] + "-8" + h[17:20] + "-" + h[20:32]
}

// named are the resource types whose outputs follow from their physical name alone: "name",
// and "arn" arn:<partition>:<service>:<region>:<account>:<prefix><name>; their id is the ARN or
// the name.
var named = map[string]struct {
	service, prefix string
	idIsArn         bool
}{
	"aws:sfn/stateMachine:StateMachine":         {"states", "stateMachine:", true},
	"aws:cloudwatch/logGroup:LogGroup":          {"logs", "log-group:", false},
	"aws:cloudwatch/metricAlarm:MetricAlarm":    {"cloudwatch", "alarm:", false},
	"aws:scheduler/scheduleGroup:ScheduleGroup": {"scheduler", "schedule-group/", false},
	"aws:sns/topic:Topic":                       {"sns", "", true},
}

// attached are the resource types named within their parent resource: the physical name is the
// output nameKey, and the id is the parent's (input parentKey) and the name joined by sep.
var attached = map[string]struct{ nameKey, parentKey, sep string }{
	"aws:iam/rolePolicy:RolePolicy":          {"name", "role", ":"},
	"aws:cloudwatch/eventTarget:EventTarget": {"targetId", "rule", "-"},
}

// mock returns a custom resource's id and the outputs AWS would compute for it.
func (p *Plan) mock(typ, name string, in resource.PropertyMap) (string, map[string]string) {
	part, region, acct := p.partition, p.region, p.opts.Account
	arn := func(service, res string) string {
		return fmt.Sprintf("arn:%s:%s:%s:%s:%s", part, service, region, acct, res)
	}
	out := map[string]string{}
	if t, ok := named[typ]; ok {
		n := p.physicalName(typ, name, in, "name")
		out["name"], out["arn"] = n, arn(t.service, t.prefix+n)
		if t.idIsArn {
			return out["arn"], out
		}
		return n, out
	}
	if t, ok := attached[typ]; ok {
		n := p.physicalName(typ, name, in, t.nameKey)
		out[t.nameKey] = n
		return str(in, t.parentKey) + t.sep + n, out
	}
	switch typ {
	case "aws:iam/role:Role":
		n := p.physicalName(typ, name, in, "name")
		out["name"], out["arn"], out["uniqueId"] = n, fmt.Sprintf("arn:%s:iam::%s:role%s%s", part, acct, pathOr(in), n), "AROA"+strings.ToUpper(hash7(name, "role"))
		return n, out
	case "aws:iam/policy:Policy":
		n := p.physicalName(typ, name, in, "name")
		out["name"], out["arn"] = n, fmt.Sprintf("arn:%s:iam::%s:policy%s%s", part, acct, pathOr(in), n)
		return out["arn"], out
	case "aws:lambda/function:Function":
		n := p.physicalName(typ, name, in, "name")
		out["name"], out["arn"] = n, arn("lambda", "function:"+n)
		out["qualifiedArn"], out["version"] = out["arn"]+":$LATEST", "$LATEST"
		out["invokeArn"] = fmt.Sprintf("arn:%s:apigateway:%s:lambda:path/2015-03-31/functions/%s/invocations", part, region, out["arn"])
		return n, out
	case "aws:lambda/alias:Alias":
		n := p.physicalName(typ, name, in, "name")
		out["arn"] = arn("lambda", "function:"+str(in, "functionName")+":"+n)
		return out["arn"], out
	case "aws:lambda/eventSourceMapping:EventSourceMapping":
		id := uuidOf(p.opts.Stack, typ, name)
		out["uuid"], out["arn"] = id, arn("lambda", "event-source-mapping:"+id)
		return id, out
	case "aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig":
		return str(in, "functionName"), out
	case "aws:lambda/permission:Permission":
		n := p.physicalName(typ, name, in, "statementId")
		out["statementId"] = n
		return n, out
	case "aws:sqs/queue:Queue":
		n := p.physicalName(typ, name, in, "name")
		if v, ok := in["fifoQueue"]; ok && v.IsBool() && v.BoolValue() && !strings.HasSuffix(n, ".fifo") {
			n += ".fifo"
		}
		out["name"], out["arn"] = n, arn("sqs", n)
		out["url"] = fmt.Sprintf("https://sqs.%s.amazonaws.com/%s/%s", region, acct, n)
		return out["url"], out
	case "aws:s3/bucketV2:BucketV2", "aws:s3/bucket:Bucket":
		n := strings.ToLower(p.physicalName(typ, name, in, "bucket"))
		out["bucket"], out["arn"] = n, fmt.Sprintf("arn:%s:s3:::%s", part, n)
		out["bucketDomainName"] = n + ".s3.amazonaws.com"
		out["bucketRegionalDomainName"] = n + ".s3." + region + ".amazonaws.com"
		return n, out
	case "aws:cloudwatch/eventRule:EventRule":
		n := p.physicalName(typ, name, in, "name")
		bus := str(in, "eventBusName")
		res := "rule/" + n
		if bus != "" && bus != "default" {
			res = "rule/" + bus + "/" + n
		}
		out["name"], out["arn"] = n, arn("events", res)
		return n, out
	case "aws:scheduler/schedule:Schedule":
		n := p.physicalName(typ, name, in, "name")
		g := str(in, "groupName")
		if g == "" {
			g = "default"
		}
		out["name"], out["arn"] = n, arn("scheduler", "schedule/"+g+"/"+n)
		return g + "/" + n, out
	case "aws:kms/key:Key":
		id := uuidOf(p.opts.Stack, typ, name)
		out["keyId"], out["arn"] = id, arn("kms", "key/"+id)
		return id, out
	case "aws:kms/alias:Alias":
		n := p.physicalName(typ, name, in, "name")
		out["arn"] = arn("kms", n)
		return n, out
	case "aws:ssm/parameter:Parameter":
		n := p.physicalName(typ, name, in, "name")
		out["name"], out["arn"] = n, arn("ssm", "parameter/"+strings.TrimPrefix(n, "/"))
		return n, out
	}
	return name + "-" + hash7(p.opts.Stack, typ, name), out
}

func pathOr(in resource.PropertyMap) string {
	if p := str(in, "path"); p != "" {
		return p
	}
	return "/"
}

// plainMap turns provider inputs into plain JSON values: secrets become "[secret]", archives and
// assets their path relative to the working directory, resource references their URN.
func plainMap(m resource.PropertyMap) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		if strings.HasPrefix(string(k), "__") {
			continue
		}
		out[string(k)] = plainValue(v)
	}
	return out
}

func plainValue(v resource.PropertyValue) any {
	switch {
	case v.IsSecret():
		return Secret
	case v.IsOutput():
		o := v.OutputValue()
		if o.Secret {
			return Secret
		}
		if !o.Known {
			return "[unknown]"
		}
		return plainValue(o.Element)
	case v.IsComputed():
		return "[unknown]"
	case v.IsNull():
		return nil
	case v.IsBool():
		return v.BoolValue()
	case v.IsNumber():
		return v.NumberValue()
	case v.IsString():
		return v.StringValue()
	case v.IsArray():
		arr := v.ArrayValue()
		out := make([]any, len(arr))
		for i, e := range arr {
			out[i] = plainValue(e)
		}
		return out
	case v.IsObject():
		return plainMap(v.ObjectValue())
	case v.IsArchive():
		return fileValue("archive", v.ArchiveValue().Path, v.ArchiveValue().Hash)
	case v.IsAsset():
		return fileValue("asset", v.AssetValue().Path, v.AssetValue().Hash)
	case v.IsResourceReference():
		return string(v.ResourceReferenceValue().URN)
	}
	return fmt.Sprint(v.V)
}

// fileValue is an archive or asset as plain JSON: {kind: its path, "hash": its hash when known}.
func fileValue(kind, path, hash string) map[string]any {
	m := map[string]any{kind: relPath(path)}
	if hash != "" {
		m["hash"] = hash
	}
	return m
}

func relPath(p string) string {
	if p == "" {
		return ""
	}
	wd, err := os.Getwd()
	if err != nil {
		return filepath.Base(p)
	}
	if rel, err := filepath.Rel(wd, p); err == nil && !strings.HasPrefix(rel, "..") {
		return filepath.ToSlash(rel)
	}
	return filepath.Base(p)
}
