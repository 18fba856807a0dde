// tlog_check opens a checkpoint with Go's golang.org/x/mod/sumdb/note and checks an
// inclusion proof and a consistency proof against it with golang.org/x/mod/sumdb/tlog:
// an RFC 9162 and C2SP implementation no one on this project wrote. It reads one JSON
// object on standard input and prints "ok origin size" or exits non-zero saying why.
package main

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

type input struct {
	VerifierKey   string   `json:"verifier_key"`
	Note          string   `json:"note"`
	LeafIndex     int64    `json:"leaf_index"`
	LeafHash      string   `json:"leaf_hash"`
	Inclusion     []string `json:"inclusion"`
	OldNote       string   `json:"old_note"`
	Consistency   []string `json:"consistency"`
}

func fail(format string, args ...any) {
	fmt.Fprintf(os.Stderr, format+"\n", args...)
	os.Exit(1)
}

func hashes(encoded []string) []tlog.Hash {
	out := make([]tlog.Hash, len(encoded))
	for i, e := range encoded {
		raw, err := base64.StdEncoding.DecodeString(e)
		if err != nil || len(raw) != tlog.HashSize {
			fail("bad hash %q", e)
		}
		copy(out[i][:], raw)
	}
	return out
}

func checkpoint(text string, verifiers note.Verifiers) (string, int64, tlog.Hash) {
	msg, err := note.Open([]byte(text), verifiers)
	if err != nil {
		fail("note.Open: %v", err)
	}
	lines := strings.SplitN(msg.Text, "\n", 4)
	if len(lines) < 4 {
		fail("checkpoint has %d lines", len(lines))
	}
	size, err := strconv.ParseInt(lines[1], 10, 64)
	if err != nil {
		fail("size: %v", err)
	}
	root := hashes([]string{lines[2]})[0]
	return lines[0], size, root
}

func main() {
	var in input
	if err := json.NewDecoder(os.Stdin).Decode(&in); err != nil {
		fail("input: %v", err)
	}
	verifier, err := note.NewVerifier(in.VerifierKey)
	if err != nil {
		fail("note.NewVerifier: %v", err)
	}
	verifiers := note.VerifierList(verifier)
	origin, size, root := checkpoint(in.Note, verifiers)
	leaf := hashes([]string{in.LeafHash})[0]
	if err := tlog.CheckRecord(tlog.RecordProof(hashes(in.Inclusion)), size, root, in.LeafIndex, leaf); err != nil {
		fail("tlog.CheckRecord: %v", err)
	}
	if in.OldNote != "" {
		_, oldSize, oldRoot := checkpoint(in.OldNote, verifiers)
		if err := tlog.CheckTree(tlog.TreeProof(hashes(in.Consistency)), size, root, oldSize, oldRoot); err != nil {
			fail("tlog.CheckTree: %v", err)
		}
	}
	if !bytes.Equal([]byte(origin), []byte(strings.TrimSpace(origin))) {
		fail("origin has spaces")
	}
	fmt.Printf("ok %s %d\n", origin, size)
}
