// pause: the sandbox container of every pod on the e2e real node. It holds the pod's namespaces
// and does nothing else: it sleeps until SIGINT or SIGTERM and, as PID 1 of the pod when the
// PID namespace is shared, reaps the zombies left by exited processes. As a plain container it
// is the smallest real workload the e2e tests run. Built static so the image is this one file.
package main

import (
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	// One line on stdout, so a pod running it as a plain container has a log to read.
	fmt.Println("pause: holding the pod's namespaces until SIGTERM")
	signals := make(chan os.Signal, 1)
	signal.Notify(signals, syscall.SIGINT, syscall.SIGTERM, syscall.SIGCHLD)
	for s := range signals {
		if s != syscall.SIGCHLD {
			os.Exit(0)
		}
		for {
			pid, err := syscall.Wait4(-1, nil, syscall.WNOHANG, nil)
			if pid <= 0 || err != nil {
				break
			}
		}
	}
}
