// Package trace reads the Azure Functions 2019 public traces (Shahrad et al.,
// "Serverless in the Wild", USENIX ATC 2020; CC BY 4.0) in both layouts found
// in the wild: the original `HashOwner,HashApp,HashFunction,Trigger,1..1440`
// and the vHive/invitro rewrite `HashFunction,HashApp,HashOwner,minute_1..`,
// with their durations and memory files, also as the dataset names them
// when downloaded (one day's invocations_per_function_md.anon.dNN.csv and
// its durations and memory files of the same day), and turns per-minute counts into
// request arrivals with a seeded model. Errors name the file, line and column.
package trace
