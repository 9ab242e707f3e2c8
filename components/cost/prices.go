package cost

import (
	"errors"
	"fmt"
)

// Prices are list prices in US dollars per unit (one request, one transition, one GB-second).
// A zero field means its DefaultPrices value (so that one price can be overridden alone); a
// price cannot be set to zero, set a tiny value instead. Every price is the first, most
// expensive tier: volume discounts and free tiers are not applied (see the package doc).
type Prices struct {
	// StandardTransition is one state transition of a Standard workflow: $0.025 per 1,000
	// ($0.000025). Source: https://aws.amazon.com/step-functions/pricing/ ("State transitions",
	// US East (N. Virginia)); retries count as transitions too.
	StandardTransition float64 `json:"standardTransition"`
	// ExpressRequest is one Express workflow execution started: $1.00 per million ($0.000001).
	// Source: https://aws.amazon.com/step-functions/pricing/ ("Express Workflows", requests).
	ExpressRequest float64 `json:"expressRequest"`
	// ExpressGBSecond is one GB-second of Express duration: $0.06000 per GB-hour for the first
	// 1,000 GB-hours a month = $0.0000166667 per GB-second (later tiers: $0.03 and $0.01642 per
	// GB-hour). Duration is rounded up to the next 100 ms and memory to the next 64 MB per
	// execution. Source: https://aws.amazon.com/step-functions/pricing/ (pricing example for
	// 100 million Express workflows) and the Step Functions workshop's "$0.0000001042 per
	// 100 ms at 64 MB" (= 0.0000166667 x 0.1 s x 64/1024 GB).
	ExpressGBSecond float64 `json:"expressGBSecond"`
	// LambdaRequest is one Lambda invocation: $0.20 per million ($0.0000002), both
	// architectures. Source: https://aws.amazon.com/lambda/pricing/ (US East (N. Virginia)).
	LambdaRequest float64 `json:"lambdaRequest"`
	// LambdaGBSecondX86 is one GB-second of an x86_64 function: $0.0000166667 for the first
	// 6 billion GB-seconds a month. Duration is rounded up to the next 1 ms. Source:
	// https://aws.amazon.com/lambda/pricing/ and
	// https://aws.amazon.com/blogs/compute/introducing-tiered-pricing-for-aws-lambda/.
	LambdaGBSecondX86 float64 `json:"lambdaGBSecondX86"`
	// LambdaGBSecondArm64 is one GB-second of an arm64 (Graviton) function: $0.0000133334 for
	// the first 7.5 billion GB-seconds a month. Source: https://aws.amazon.com/lambda/pricing/.
	LambdaGBSecondArm64 float64 `json:"lambdaGBSecondArm64"`
	// S3Put is one S3 Standard PUT, COPY, POST or LIST request: $0.005 per 1,000 ($0.000005).
	// Source: https://aws.amazon.com/s3/pricing/ ("Requests & data retrievals", S3 Standard).
	S3Put float64 `json:"s3Put"`
	// S3Get is one S3 Standard GET, SELECT or other read request: $0.0004 per 1,000
	// ($0.0000004). Source: https://aws.amazon.com/s3/pricing/.
	S3Get float64 `json:"s3Get"`
	// SqsRequest is one SQS Standard queue API request (SendMessage, ReceiveMessage,
	// DeleteMessage, each 64 KB chunk of a payload counting as one): $0.40 per million
	// ($0.0000004) for the first 100 billion a month. Source: https://aws.amazon.com/sqs/pricing/.
	SqsRequest float64 `json:"sqsRequest"`
	// LogsIngestedGB is one GB (10^9 bytes: the larger count of the two readings of "GB") of
	// log data ingested by CloudWatch Logs, Standard class: $0.50 per GB, the first tier of
	// Lambda's logs (vended logs, since May 2025) and of every log group. Source:
	// https://aws.amazon.com/cloudwatch/pricing/ ("Logs", Collect (Data Ingestion)).
	LogsIngestedGB float64 `json:"logsIngestedGB"`
	// XRayTrace is one X-Ray trace recorded: $5.00 per million ($0.000005), beyond the first
	// 100,000 a month (free tier, not applied). Source: https://aws.amazon.com/xray/pricing/
	// ("Traces recorded").
	XRayTrace float64 `json:"xrayTrace"`
	// AlarmMetricMonth is one standard-resolution alarm metric for a month: $0.10. Source:
	// https://aws.amazon.com/cloudwatch/pricing/ ("Alarms", standard resolution, per alarm
	// metric); an alarm on one metric is one alarm metric, a metric-math alarm one per metric it
	// reads.
	AlarmMetricMonth float64 `json:"alarmMetricMonth"`
	// HighResolutionAlarmMetricMonth is one high-resolution (period under 60 s) alarm metric for
	// a month: $0.30. Source: https://aws.amazon.com/cloudwatch/pricing/.
	HighResolutionAlarmMetricMonth float64 `json:"highResolutionAlarmMetricMonth"`
	// DashboardMonth is one CloudWatch dashboard for a month: $3.00, beyond the account's three
	// free dashboards (of up to 50 metrics each), which the plan cannot see. Source:
	// https://aws.amazon.com/cloudwatch/pricing/ ("Dashboards").
	DashboardMonth float64 `json:"dashboardMonth"`
}

// DefaultPrices returns the us-east-1 list prices the package uses when Prices is zero (looked
// up December 2026; see each field for its source).
func DefaultPrices() Prices {
	return Prices{
		StandardTransition:  0.000025,
		ExpressRequest:      0.000001,
		ExpressGBSecond:     0.0000166667,
		LambdaRequest:       0.0000002,
		LambdaGBSecondX86:   0.0000166667,
		LambdaGBSecondArm64: 0.0000133334,
		S3Put:               0.000005,
		S3Get:               0.0000004,
		SqsRequest:          0.0000004,
		LogsIngestedGB:      0.50,
		XRayTrace:           0.000005,

		AlarmMetricMonth:               0.10,
		HighResolutionAlarmMetricMonth: 0.30,
		DashboardMonth:                 3.00,
	}
}

// WithDefaults returns p with every zero price filled from DefaultPrices.
func (p Prices) WithDefaults() Prices {
	d := DefaultPrices()
	defaults := d.fields()
	for i, f := range p.fields() {
		if *f.v == 0 {
			*f.v = *defaults[i].v
		}
	}
	return p
}

// validate reports every negative price at once, in field order.
func (p Prices) validate() error {
	var errs []error
	for _, f := range p.fields() {
		if *f.v < 0 {
			errs = append(errs, fmt.Errorf("cost: Prices.%s must be positive, got %v", f.name, *f.v))
		}
	}
	return errors.Join(errs...)
}

// price is one field of Prices, by its Go name.
type price struct {
	name string
	v    *float64
}

// fields lists every price of p, in declaration order: the one list withDefaults and validate
// walk.
func (p *Prices) fields() []price {
	return []price{
		{"StandardTransition", &p.StandardTransition}, {"ExpressRequest", &p.ExpressRequest},
		{"ExpressGBSecond", &p.ExpressGBSecond}, {"LambdaRequest", &p.LambdaRequest},
		{"LambdaGBSecondX86", &p.LambdaGBSecondX86}, {"LambdaGBSecondArm64", &p.LambdaGBSecondArm64},
		{"S3Put", &p.S3Put}, {"S3Get", &p.S3Get}, {"SqsRequest", &p.SqsRequest}, {"LogsIngestedGB", &p.LogsIngestedGB}, {"XRayTrace", &p.XRayTrace},
		{"AlarmMetricMonth", &p.AlarmMetricMonth}, {"HighResolutionAlarmMetricMonth", &p.HighResolutionAlarmMetricMonth},
		{"DashboardMonth", &p.DashboardMonth},
	}
}
