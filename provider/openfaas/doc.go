// Package openfaas implements provider.Provider over the OpenFaaS provider and
// gateway REST API (faas-netes, faasd, any faas-provider).
//
// The contract, from reference/openfaas.md §3:
//   - GET /system/namespaces lists namespaces; a 404/501 or an empty list means
//     the provider has one, Config.DefaultNamespace ("openfaas-fn").
//   - GET /system/functions?namespace= and GET /system/function/{name}?namespace=
//     return FunctionStatus; an absent "replicas" (omitempty upstream) is 0,
//     and "availableReplicas" (faas-netes: the Deployment's
//     status.availableReplicas, which lags a scale-down) is read as at most
//     the desired count. faasd's listing leaves "availableReplicas" out
//     (its single read sets it to the replicas), so on a provider whose
//     /system/info names faasd an absent count in the listing is the
//     replicas; the name is cached (faasd.go), and elsewhere absent is 0.
//   - POST /system/scale-function/{name}?namespace= with
//     {"serviceName","namespace","replicas"}: the namespace goes in both the
//     query (faas-netes reads it there) and the body (faasd reads it there);
//     200 (faasd) and 202 (faas-netes) are success.
//
// Errors are typed so callers can act without parsing text: 404 on a function
// is provider.ErrNotFound (and faas-netes' 500 "Unable to lookup function
// deployment <name>" on a scale, when a read then answers 404),
// 401/403 provider.ErrUnauthorized (both inside a
// *StatusError that keeps the status), a 400 on scale a *provider.RefusedError
// carrying the provider's message (OpenFaaS CE refusing 0 replicas; a scale
// to 0 on a provider whose /system/info names a "-ce" edition is refused
// before sending, as the CE gateway would turn it into 1; a count above
// CE's cap of 5 is sent as 5 and reported refused), any other
// status a *StatusError naming the operation, the function and the status
// (a 404 on the listing, which every provider serves, also names the URL
// asked: the gateway URL misses the API).
// Reads are retried Config.Retries times after a transport error or a 5xx
// other than 501 (a missing feature), with exponential backoff and full
// jitter; 4xx never are. A scale is sent
// once: after a transport error or a 5xx it may have landed, and repeating
// the absolute count could undo a change made since (the gateway's
// scale-from-zero), so the error goes to the caller, which re-decides on a
// fresh read; only the status of its 2xx answer is used, so a reply body
// that stalls after it is not waited for. Each attempt has its own timeout
// and the caller's context bounds the whole call; the /system/info read
// before a listing or a scale has Config.Timeout (and at most half the
// caller's time left) whatever the caller's deadline, so a gateway that
// never answers it delays the call, never stops it. No redirect is
// followed: a 3xx is an error naming its Location, not retried (followed, a
// scale's POST became a GET, a sign-in page's 200 read as success, and the
// basic auth went on to the same host over plain http). Names are checked against the provider's route
// pattern before any request, and URLs are built with net/url, never by
// concatenation.
package openfaas
