package ipam

import (
	"github.com/ipamsim/ipamsim/internal/textdist"

	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/ipamsim/ipamsim/sim"
)

// Settings are the VPC CNI environment variables that shape the pool
// (docs/model.md §1), after upstream's parsing, defaults and precedence.
type Settings struct {
	WarmENITarget       int      // WARM_ENI_TARGET, default 1 (§1)
	WarmIPTarget        int      // WARM_IP_TARGET, 0 = unset (§1)
	MinimumIPTarget     int      // MINIMUM_IP_TARGET, 0 = unset (§1)
	WarmPrefixTarget    int      // WARM_PREFIX_TARGET, code default 0 (§1)
	PrefixDelegation    bool     // ENABLE_PREFIX_DELEGATION (§1, §4)
	MaxENI              int      // MAX_ENI, -1 = unset; used only if >= 1 (§1 getMaxENI)
	CustomNetworking    bool     // AWS_VPC_K8S_CNI_CUSTOM_NETWORK_CFG (§1)
	IPCooldown          sim.Time // IP_COOLDOWN_PERIOD, default 30 s (§1)
	SubnetDiscovery     bool     // ENABLE_SUBNET_DISCOVERY, default true (§1): adds DescribeSubnets to ENI creation (§7)
	PodENI              bool     // ENABLE_POD_ENI: keeps one ENI slot for the trunk ENI (§1 hasRoomForEni)
	DisableProvisioning bool     // DISABLE_NETWORK_RESOURCE_PROVISIONING: no pool management at all (§1)
}

// DefaultSettings returns upstream's code defaults (§1).
func DefaultSettings() Settings {
	return Settings{
		WarmENITarget:   1,
		MaxENI:          -1,
		IPCooldown:      30 * sim.Second,
		SubnetDiscovery: true,
	}
}

// warmIPMode reports whether WARM_IP_TARGET or MINIMUM_IP_TARGET is set, which
// overrides WARM_ENI_TARGET and WARM_PREFIX_TARGET for sizing (§1 precedence 1;
// upstream warmIPTargetsDefined).
func (s Settings) warmIPMode() bool { return s.WarmIPTarget != 0 || s.MinimumIPTarget != 0 }

// Variables lists every variable the model reads (§1), always in the same
// order, each as {name, value} with the value spelled for a person: "unset"
// where upstream treats the value as not set (0 for WARM_IP_TARGET and
// MINIMUM_IP_TARGET, -1 for MAX_ENI), the cooldown in seconds ("30s").
// Reports list a run's settings from it.
func (s Settings) Variables() [][2]string {
	num := strconv.Itoa
	unset := func(v, none int) string {
		if v == none {
			return "unset"
		}
		return strconv.Itoa(v)
	}
	flag := strconv.FormatBool
	return [][2]string{
		{"WARM_ENI_TARGET", num(s.WarmENITarget)},
		{"WARM_IP_TARGET", unset(s.WarmIPTarget, 0)},
		{"MINIMUM_IP_TARGET", unset(s.MinimumIPTarget, 0)},
		{"WARM_PREFIX_TARGET", num(s.WarmPrefixTarget)},
		{"ENABLE_PREFIX_DELEGATION", flag(s.PrefixDelegation)},
		{"MAX_ENI", unset(s.MaxENI, -1)},
		{"IP_COOLDOWN_PERIOD", fmt.Sprintf("%gs", s.IPCooldown.Seconds())},
		{"AWS_VPC_K8S_CNI_CUSTOM_NETWORK_CFG", flag(s.CustomNetworking)},
		{"ENABLE_SUBNET_DISCOVERY", flag(s.SubnetDiscovery)},
		{"ENABLE_POD_ENI", flag(s.PodENI)},
		{"DISABLE_NETWORK_RESOURCE_PROVISIONING", flag(s.DisableProvisioning)},
	}
}

// SettingError is a setting that is unknown or does not parse.
type SettingError struct {
	Source string // where it came from: "--set", a file name, or "file:line"
	Key    string
	Value  string
	Msg    string
}

func (e *SettingError) Error() string {
	if e.Value == "" && e.Key == "" {
		return fmt.Sprintf("%s: %s", e.Source, e.Msg)
	}
	return fmt.Sprintf("%s: %s=%q: %s", e.Source, e.Key, e.Value, e.Msg)
}

// KnownSettings lists the environment variables ipamsim understands, sorted.
func KnownSettings() []string {
	keys := make([]string, 0, len(settingParsers))
	for k := range settingParsers {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

type settingParser func(s *Settings, v string) error

// settingParsers holds one parser per variable. Upstream silently falls back to
// the default for values it cannot parse (§1); ipamsim refuses them instead, so a
// typo never turns into a silent default: that is the one deliberate difference,
// and it only ever turns a would-be silent fallback into an error.
var settingParsers = map[string]settingParser{
	"WARM_ENI_TARGET": func(s *Settings, v string) error {
		n, err := parseInt(v)
		if err != nil {
			return err
		}
		if n < 0 { // §1: negative falls back to 1
			n = 1
		}
		s.WarmENITarget = n
		return nil
	},
	"WARM_IP_TARGET": func(s *Settings, v string) error {
		n, err := parseInt(v)
		if err != nil {
			return err
		}
		if n < 0 { // §1: negative is treated as 0 (unset)
			n = 0
		}
		s.WarmIPTarget = n
		return nil
	},
	"MINIMUM_IP_TARGET": func(s *Settings, v string) error {
		n, err := parseInt(v)
		if err != nil {
			return err
		}
		if n < 0 {
			n = 0
		}
		s.MinimumIPTarget = n
		return nil
	},
	"WARM_PREFIX_TARGET": func(s *Settings, v string) error {
		n, err := parseInt(v)
		if err != nil {
			return err
		}
		if n < 0 { // §1: negative falls back to the code default 0
			n = 0
		}
		s.WarmPrefixTarget = n
		return nil
	},
	"ENABLE_PREFIX_DELEGATION": func(s *Settings, v string) (err error) {
		s.PrefixDelegation, err = parseBool(v)
		return err
	},
	"MAX_ENI": func(s *Settings, v string) error {
		n, err := parseInt(v)
		if err != nil {
			return err
		}
		if n < 1 { // §1: used only if >= 1
			n = -1
		}
		s.MaxENI = n
		return nil
	},
	"AWS_VPC_K8S_CNI_CUSTOM_NETWORK_CFG": func(s *Settings, v string) (err error) {
		s.CustomNetworking, err = parseBool(v)
		return err
	},
	"IP_COOLDOWN_PERIOD": func(s *Settings, v string) error {
		n, err := parseInt(v)
		if err != nil {
			return err
		}
		if n < 0 || n > MaxCooldownSeconds {
			return fmt.Errorf("want a whole number of seconds from 0 to %d (1000 hours)", MaxCooldownSeconds)
		}
		s.IPCooldown = sim.Time(n) * sim.Second
		return nil
	},
	"ENABLE_SUBNET_DISCOVERY": func(s *Settings, v string) (err error) {
		s.SubnetDiscovery, err = parseBool(v)
		return err
	},
	"ENABLE_POD_ENI": func(s *Settings, v string) (err error) {
		s.PodENI, err = parseBool(v)
		return err
	},
	"DISABLE_NETWORK_RESOURCE_PROVISIONING": func(s *Settings, v string) (err error) {
		s.DisableProvisioning, err = parseBool(v)
		return err
	},
}

// MaxSettingCount bounds the counts a setting takes (WARM_ENI_TARGET,
// WARM_IP_TARGET, MINIMUM_IP_TARGET, WARM_PREFIX_TARGET, MAX_ENI): far above
// any node's limits, so that every value above it means the same as it,
// and small enough that the pool arithmetic cannot overflow. Upstream
// parses any int; ipamsim refuses larger values rather than wrap.
const MaxSettingCount = 1<<31 - 1

// MaxCooldownSeconds bounds IP_COOLDOWN_PERIOD (1000 hours, the longest
// duration a scenario takes): upstream multiplies the seconds into a
// time.Duration, which wraps around above 292 years; ipamsim refuses what
// would not fit a run instead.
const MaxCooldownSeconds = 1000 * 3600

func parseInt(v string) (int, error) {
	n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
	if err != nil {
		if ne, ok := err.(*strconv.NumError); ok && ne.Err == strconv.ErrRange {
			return 0, fmt.Errorf("out of range: want at most %d", MaxSettingCount)
		}
		return 0, fmt.Errorf("not a whole number")
	}
	if n > MaxSettingCount {
		return 0, fmt.Errorf("out of range: want at most %d", MaxSettingCount)
	}
	if n < -MaxSettingCount {
		return 0, fmt.Errorf("out of range: want at least %d", -MaxSettingCount)
	}
	return int(n), nil
}

func parseBool(v string) (bool, error) {
	b, err := strconv.ParseBool(strings.TrimSpace(v))
	if err != nil {
		return false, fmt.Errorf("not a boolean (true/false)")
	}
	return b, nil
}

// unmodelled are aws-node variables that do not shape the pool ipamsim
// models: accepted (an env file copied from a real aws-node DaemonSet must
// load) and ignored. Their values are not checked beyond being present.
var unmodelled = map[string]bool{
	"ENABLE_IPv4": true, "DISABLE_LEAKED_ENI_CLEANUP": true, "HTTP_TIMEOUT": true,
	"AWS_VPC_K8S_CNI_LOGLEVEL": true, "AWS_VPC_K8S_CNI_LOG_FILE": true, "AWS_VPC_K8S_PLUGIN_LOG_FILE": true,
	"AWS_VPC_K8S_PLUGIN_LOG_LEVEL": true, "AWS_VPC_K8S_CNI_EXTERNALSNAT": true, "AWS_VPC_K8S_CNI_RANDOMIZESNAT": true,
	"AWS_VPC_K8S_CNI_EXCLUDE_SNAT_CIDRS": true, "AWS_VPC_K8S_CNI_VETHPREFIX": true, "AWS_VPC_ENI_MTU": true,
	"AWS_VPC_CNI_NODE_PORT_SUPPORT": true, "AWS_VPC_K8S_CNI_CONFIGURE_RPFILTER": true, "ANNOTATE_POD_IP": true,
	"NETWORK_POLICY_ENFORCING_MODE": true, "POD_SECURITY_GROUP_ENFORCING_MODE": true, "ENABLE_NFTABLES": true,
	"DISABLE_INTROSPECTION": true, "DISABLE_METRICS": true, "INTROSPECTION_BIND_ADDRESS": true,
	"ENI_CONFIG_LABEL_DEF": true, "ENI_CONFIG_ANNOTATION_DEF": true, "CLUSTER_NAME": true,
	"CLUSTER_ENDPOINT": true, "MY_NODE_NAME": true, "MY_POD_NAME": true, "VPC_ID": true,
	"VPC_CNI_VERSION": true, "ADDITIONAL_ENI_TAGS": true, "AWS_EC2_ENDPOINT": true, "AWS_EXTERNAL_SERVICE_CIDRS": true,
}

// notModelled are aws-node settings modelled at their default only: the
// default and why another value is refused.
var notModelled = map[string]struct {
	def bool
	why string
}{
	"ENABLE_MULTI_NIC": {false, "ENABLE_MULTI_NIC=true is not modelled: ipamsim runs network card 0 only " +
		"(the other cards' own datastores, with WARM_IP_TARGET=1 and MINIMUM_IP_TARGET=1, are not simulated, §1.14)"},
	"AWS_MANAGE_ENIS_NON_SCHEDULABLE": {false, "AWS_MANAGE_ENIS_NON_SCHEDULABLE=true is not modelled: " +
		"ipamsim has no cordoned nodes, the only ones the setting acts on (§1.11)"},
	"MANAGE_UNTAGGED_ENI": {true, "MANAGE_UNTAGGED_ENI=false is not modelled: ipamsim's nodes start with " +
		"the primary ENI only, so there is no untagged ENI for it to leave alone (§1.21)"},
}

// Set applies one KEY=VALUE. An unknown key or a value that does not parse is an
// error naming the closest known key. aws-node variables that do not shape
// the modelled pool are accepted and ignored; what ipamsim does not model
// is an error: ENABLE_IPv6=true, and ENABLE_MULTI_NIC,
// AWS_MANAGE_ENIS_NON_SCHEDULABLE and MANAGE_UNTAGGED_ENI other than at
// their defaults.
func (s *Settings) Set(source, key, value string) error {
	switch key {
	case "ENABLE_IPv6":
		if b, err := parseBool(value); err != nil {
			return &SettingError{Source: source, Key: key, Value: value, Msg: err.Error()}
		} else if b {
			return &SettingError{Source: source, Key: key, Value: value, Msg: "IPv6 mode is not modelled (ipamd keeps no warm pool there: one /80 prefix per ENI, §1)"}
		}
		return nil
	case "ENABLE_MULTI_NIC", "AWS_MANAGE_ENIS_NON_SCHEDULABLE", "MANAGE_UNTAGGED_ENI":
		// Modelled at their defaults only (§1.11, §1.14, §1.21).
		b, err := parseBool(value)
		if err != nil {
			return &SettingError{Source: source, Key: key, Value: value, Msg: err.Error()}
		}
		if nm := notModelled[key]; b != nm.def {
			return &SettingError{Source: source, Key: key, Value: value, Msg: nm.why}
		}
		return nil
	case "ENABLE_IMDS_ONLY_MODE":
		b, err := parseBool(value)
		if err != nil {
			return &SettingError{Source: source, Key: key, Value: value, Msg: err.Error()}
		}
		if b {
			s.DisableProvisioning = true // §1: implies DISABLE_NETWORK_RESOURCE_PROVISIONING
		}
		return nil
	}
	if unmodelled[key] {
		return nil
	}
	p, ok := settingParsers[key]
	if !ok {
		msg := "unknown setting"
		if c := closest(key, KnownSettings()); c != "" {
			msg += fmt.Sprintf("; did you mean %s?", c)
		}
		return &SettingError{Source: source, Key: key, Value: value, Msg: msg}
	}
	if err := p(s, value); err != nil {
		return &SettingError{Source: source, Key: key, Value: value, Msg: err.Error()}
	}
	return nil
}

// ParseAssignment splits "KEY=VALUE".
func ParseAssignment(source, kv string) (key, value string, err error) {
	k, v, ok := strings.Cut(kv, "=")
	k = strings.TrimSpace(k)
	if !ok || k == "" {
		return "", "", &SettingError{Source: source, Msg: fmt.Sprintf("%q is not KEY=VALUE", kv)}
	}
	return k, strings.TrimSpace(v), nil
}

// ParseEnvFile reads KEY=VALUE lines (blank lines and # comments ignored, an
// optional "export " prefix and surrounding quotes accepted, a leading UTF-8
// byte order mark skipped, as editors on Windows write one) into s.
func ParseEnvFile(name, body string, s *Settings) error {
	body = strings.TrimPrefix(body, "\ufeff")
	for i, line := range strings.Split(body, "\n") {
		line = strings.TrimSpace(strings.TrimSuffix(line, "\r"))
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		line = strings.TrimPrefix(line, "export ")
		src := fmt.Sprintf("%s:%d", name, i+1)
		k, v, err := ParseAssignment(src, line)
		if err != nil {
			return err
		}
		if len(v) >= 2 && (v[0] == '"' && v[len(v)-1] == '"' || v[0] == '\'' && v[len(v)-1] == '\'') {
			v = v[1 : len(v)-1]
		}
		if err := s.Set(src, k, v); err != nil {
			return err
		}
	}
	return nil
}

// EntrypointWarnings returns the start-up refusals of the aws-node entrypoint
// (§1, cmd/aws-vpc-cni/main.go) that these settings would trip. The pool code
// itself runs with them (the oracle cases drive it that way), so ipamsim warns by
// default and refuses only when asked to (--strict-entrypoint).
func (s Settings) EntrypointWarnings() []string {
	var w []string
	if s.PrefixDelegation && s.WarmIPTarget <= 0 && s.WarmPrefixTarget <= 0 && s.MinimumIPTarget <= 0 {
		w = append(w, "ENABLE_PREFIX_DELEGATION=true with WARM_PREFIX_TARGET, WARM_IP_TARGET and MINIMUM_IP_TARGET all unset or 0: the aws-node entrypoint refuses to start; simulating the pool code anyway (it oscillates: a prefix is added when nothing is free and released at the next pass)")
	}
	return w
}

// closest returns the known name nearest to s by edit distance, or "" if none is
// reasonably close.
func closest(s string, names []string) string {
	best, bestD := "", len(s)/2+2
	for _, n := range names {
		if d := textdist.Levenshtein([]rune(strings.ToUpper(s)), []rune(n), bestD); d < bestD {
			best, bestD = n, d
		}
	}
	return best
}
