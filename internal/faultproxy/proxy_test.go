package faultproxy

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// The proxy forwards, refuses, black-holes and forwards again.
func TestModes(t *testing.T) {
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "up") }))
	defer up.Close()
	p, err := New(strings.TrimPrefix(up.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	get := func() (string, error) {
		c := &http.Client{Timeout: 500 * time.Millisecond, Transport: &http.Transport{DisableKeepAlives: true}}
		resp, err := c.Get("http://" + p.Addr())
		if err != nil {
			return "", err
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		return string(b), err
	}
	if b, err := get(); err != nil || b != "up" {
		t.Fatalf("pass: %q %v", b, err)
	}
	p.Set(Refuse)
	if _, err := get(); err == nil {
		t.Fatal("refuse: request went through")
	}
	p.Set(Blackhole)
	if _, err := get(); err == nil || !strings.Contains(err.Error(), "Timeout") {
		t.Fatalf("blackhole: err = %v, want a client timeout", err)
	}
	p.Set(Pass)
	if b, err := get(); err != nil || b != "up" {
		t.Fatalf("pass again: %q %v", b, err)
	}
}
