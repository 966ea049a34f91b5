// Package teststack starts real Prometheus and AlertManager servers for tests,
// on free loopback ports with temporary data directories, and a tiny exporter
// for them to scrape.
//
// Typical use, once per test package (the first scrape comes about 5 s after
// Prometheus starts, so share one server between the tests of a package):
//
//	ex := teststack.NewExporter(t)          // httptest server around a prometheus.Registry
//	gw := teststack.NewGatewayMetrics(ex.Registry)
//	p := teststack.Prometheus(t, teststack.PromOptions{
//		ScrapeTargets: []teststack.Target{{Job: "gateway", URL: ex.Addr()}},
//	})
//	p.WaitUp(t, "gateway")                  // up{job="gateway"}==1
//	gw.Total.WithLabelValues("figlet.openfaas-fn", "200").Add(3)
//	v := p.Query(t, `sum(up)`)              // instant query through the HTTP API
//	p.Stop(); p.Start()                     // restart on the same port and data dir
//	p.Reload(newOpts)                       // rewrite prometheus.yml, POST /-/reload
//
//	am := teststack.Alertmanager(t, teststack.AMOptions{WebhookURL: receiverURL})
//
// Binaries are looked up on PATH (NeedBinary): prometheus, and
// prometheus-alertmanager (Debian's name) or alertmanager. When one is
// missing the test is skipped, or fails when the environment has CI=true.
//
// Every server runs with Pdeathsig=SIGKILL so nothing outlives a crashed test
// binary, is stopped (SIGTERM, then SIGKILL after 5 s) by t.Cleanup, and has
// its combined output dumped through t.Log when the test failed.
//
// Golden is the golden-file check the generators' tests share; Every drives
// load on an exporter in the background while a real server scrapes it.
package teststack
