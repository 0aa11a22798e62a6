//go:build !unix

package main

func limitAddressSpace() {}
