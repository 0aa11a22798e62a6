// Package catalog is ipamsim's table of EC2 instance types, their
// networking limits, resources and prices, together with the max-pods and
// allocatable arithmetic built on them.
//
// The table is the AWS VPC CNI's pkg/vpc/vpc_ip_resource_limit.go (v1.23.1)
// as recorded in data/instance-limits.csv (sources in data/README.md): 1391
// instance types with the ENI limit of the default network card, the IPv4
// addresses per ENI (primary address included), the network-card layout, the
// hypervisor and the bare-metal flag. The CSV is embedded in the package, so
// binaries need no data files at run time. It is parsed once, on first use,
// into a slice sorted by instance-type name (byte order, the order of the CNI's
// misc/eni-max-pods.txt).
//
// MaxPods reproduces the max-pods figures of docs/model.md §5:
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
//
// # Resources, max pods, allocatable and prices
//
// A second embedded table, data/instance-resources.csv (Karpenter's generated
// instance-type reference; source commit in its header), gives 1363 of the
// types their vCPUs, memory, architecture and pod ENIs; InstanceType's
// HasResources says whether a type has them.
//
// NodeMaxPods is the one place that decides a node's kubelet max pods, from a
// named rule (docs/model.md §5): FromEKS, what a managed node group sets
// (the calculator's figure for the CNI mode, capped at 110 or 250 by vCPUs;
// the default), FromENIMaxPods (AL2 bootstrap), FromNodeadm (AL2023), or an
// explicit override. It returns the value and a description of its source
// for summaries. MaxPods stays the raw calculator of `ipamsim maxpods`.
//
// Allocatable gives the CPU and memory a node offers pods after the EKS AMIs'
// kube-reserved and hard-eviction reservations.
//
// Prices come from data/ondemand-prices.csv (us-east-1 on-demand Linux list
// prices, dated in its header) through Price and EmbeddedPrices, or from a
// user's price file through ParsePrices; PricesFor chooses between them for
// a region.
package catalog
