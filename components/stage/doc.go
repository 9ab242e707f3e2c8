// Package stage reads and validates a stage's settings (dev, prod...) from Pulumi config, and
// decides in one place every default that differs between stages: log retention, deletion
// protection, the schedule time zone, tags.
//
// Settings live in the `skein` config namespace of `Pulumi.<stage>.yaml`:
//
//	config:
//	  aws:region: eu-west-1
//	  skein:production: "true"        # default: true for stacks named prod, production or prd
//	  skein:logRetentionDays: "30"    # default: 14, or 365 in production
//	  skein:timeZone: Europe/Paris    # default: UTC
//	  skein:alarmTopicArn: arn:...    # default: alarms without actions
//	  skein:tags: {team: data}        # default: none beyond the skein:* tags
//	  skein:namePrefix: acme-dev      # default: <project>-<stage> (state machine names)
//	  skein:logGroupPrefix: /acme/dev # default: /skein/<project>/<stage> (worker log groups)
//	  skein:tagNamespace: acme        # default: skein (skein:project, skein:stage, skein:component)
//
// Each setting may also be written under the project's own namespace (`nightly:timeZone` in a
// project named nightly); the same setting under both with two values is an error.
// An unknown `skein:` key, or a value out of range, is an error that names the key, what is
// allowed and what was given, before any resource exists.
//
// # Defaults
//
// Production stages protect data stores (pulumi.Protect), keep logs 365 days and turn off
// forceDestroy. Every taggable resource carries skein:project, skein:stage and skein:component
// (in the stage's tag namespace). Names: Pulumi auto-names physical resources with a random
// suffix, so two stages in one account never collide; where skein must choose a name (state
// machines, log groups), [Stage.PhysicalName] and [Stage.LogGroupName] prefix it with the
// stage's prefixes.
//
// # Escape hatches
//
// Components take a *Stage in their args; nil means [Load] from the context. Users who keep their
// settings elsewhere can build a Stage value themselves and call [Stage.Validate].
package stage
