// Package catalog is ipamsim's table of EC2 instance types and their
// networking limits, together with the max-pods arithmetic built on it.
//
// The table is the AWS VPC CNI's pkg/vpc/vpc_ip_resource_limit.go (v1.23.1)
// as exported to shared/data/instance-limits.csv: 1391 instance types with
// the ENI limit of the default network card, the IPv4 addresses per ENI
// (primary address included), the network-card layout, the hypervisor and
// the bare-metal flag. A copy of that CSV is embedded in the package
// (data/instance-limits.csv), so binaries do not depend on the shared
// directory at run time. It is parsed once, on first use, into a slice
// sorted by instance-type name (byte order, the order of the CNI's
// misc/eni-max-pods.txt).
//
// MaxPods reproduces the max-pods figures of ipamd-behaviour.md §5:
//
//	secondary IPs (SIP):      enis*(L-1) + 2
//	prefix delegation (PD):   enis*((L-1)*16) + 2
//
// where L is the IPv4 addresses per ENI and enis is the default card's ENI
// limit, optionally capped by MAX_ENI (the calculator's --cni-max-eni) and
// then reduced by one under custom networking. With no options it yields
// exactly the figures of eni-max-pods.txt. Prefix delegation only applies to
// types that support it (nitro hypervisor or bare metal, §1); other types
// keep their secondary-IP figure, as ipamd falls back to SIP mode on them.
//
// Nodes absent from the table can be described with Custom.
package catalog
