package app

import (
	"strconv"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/skeinhq/skein/components/check"
	"github.com/skeinhq/skein/components/schedule/cron"
	"github.com/skeinhq/skein/components/stage"
)

// Namespace is the config namespace of the report's settings: the project's own, which also
// holds the stage settings (stage.Keys).
const Namespace = "nightly"

// Config keys, without the namespace.
const (
	KeySchedule             = "schedule"
	KeySummariseConcurrency = "summariseConcurrency"
)

var knownKeys = []string{KeySchedule, KeySummariseConcurrency}

// Config is the report's settings of one stage.
type Config struct {
	// Schedule starts the report; zero means cron(0 3 * * ? *) in the stage's time zone.
	Schedule string
	// SummariseConcurrency is how many batches of accounts are summarised at once; zero means 5;
	// allowed 1..100.
	SummariseConcurrency int
}

// LoadConfig reads and checks the report's settings, every problem at once.
func LoadConfig(ctx *pulumi.Context) (*Config, error) {
	c := check.New("nightly", ctx.Stack())
	cfg := &Config{Schedule: "cron(0 3 * * ? *)", SummariseConcurrency: 5}
	if v, ok := ctx.GetConfig(Namespace + ":" + KeySchedule); ok {
		cfg.Schedule = v
	}
	if _, err := cron.Parse(cfg.Schedule); err != nil {
		c.Add(Namespace+":"+KeySchedule, "must be a Scheduler expression such as cron(0 3 * * ? *): "+err.Error(), cfg.Schedule)
	}
	if v, ok := ctx.GetConfig(Namespace + ":" + KeySummariseConcurrency); ok {
		n, err := strconv.Atoi(v)
		if err != nil {
			c.Add(Namespace+":"+KeySummariseConcurrency, "must be a whole number 1..100", v)
		} else {
			cfg.SummariseConcurrency = n
		}
	}
	c.Int(Namespace+":"+KeySummariseConcurrency, cfg.SummariseConcurrency, 1, 100)
	for _, k := range stage.UnknownKeys(ctx, Namespace, knownKeys) {
		c.Add(k, stage.UnknownKeyRule("report setting or stage setting", Namespace, append(knownKeys, stage.Keys()...)), nil)
	}
	if err := c.Err(); err != nil {
		return nil, err
	}
	return cfg, nil
}
