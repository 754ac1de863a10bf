// Command weft-helm-renderer renders Helm charts for helm-controller, the way `helm template`
// does, in one process that stays running: the controller starts it once instead of one
// `helm template` process per release.
//
// Protocol (stdin → stdout): frames of a 4-byte big-endian length and that many bytes of JSON.
// Each request frame is a Request, each answer a Response with the request's id; requests are
// rendered concurrently (at most -parallel at once) and answered as they finish. The process
// exits when stdin closes. Diagnostics (Helm's warnings) go to stderr.
package main

import (
	"bufio"
	"encoding/binary"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"sync"
)

// maxFrame bounds one frame (a request's values, an answer's manifests).
const maxFrame = 256 << 20

func readFrame(r io.Reader) ([]byte, error) {
	var size [4]byte
	if _, err := io.ReadFull(r, size[:]); err != nil {
		return nil, err
	}
	n := binary.BigEndian.Uint32(size[:])
	if n > maxFrame {
		return nil, fmt.Errorf("frame of %d bytes is over the %d byte limit", n, maxFrame)
	}
	frame := make([]byte, n)
	if _, err := io.ReadFull(r, frame); err != nil {
		return nil, fmt.Errorf("short frame: %w", err)
	}
	return frame, nil
}

type frameWriter struct {
	mu  sync.Mutex
	out *bufio.Writer
}

func (w *frameWriter) write(response Response) error {
	body, err := json.Marshal(response)
	if err != nil {
		return err
	}
	if len(body) > maxFrame {
		body, _ = json.Marshal(Response{ID: response.ID, Error: fmt.Sprintf("the rendered output (%d bytes) is over the %d byte limit", len(body), maxFrame)})
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	var size [4]byte
	binary.BigEndian.PutUint32(size[:], uint32(len(body)))
	if _, err := w.out.Write(size[:]); err != nil {
		return err
	}
	if _, err := w.out.Write(body); err != nil {
		return err
	}
	return w.out.Flush()
}

func main() {
	parallel := flag.Int("parallel", 4, "renders at once")
	flag.Parse()
	if *parallel < 1 {
		fmt.Fprintln(os.Stderr, "weft-helm-renderer: -parallel must be at least 1")
		os.Exit(2)
	}
	in := bufio.NewReaderSize(os.Stdin, 64<<10)
	out := &frameWriter{out: bufio.NewWriterSize(os.Stdout, 64<<10)}
	slots := make(chan struct{}, *parallel)
	var running sync.WaitGroup
	for {
		frame, err := readFrame(in)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			fmt.Fprintf(os.Stderr, "weft-helm-renderer: %v\n", err)
			os.Exit(1)
		}
		var request Request
		if err := json.Unmarshal(frame, &request); err != nil {
			fmt.Fprintf(os.Stderr, "weft-helm-renderer: bad request: %v\n", err)
			os.Exit(1)
		}
		slots <- struct{}{}
		running.Add(1)
		go func() {
			defer func() { <-slots; running.Done() }()
			if err := out.write(render(request)); err != nil {
				fmt.Fprintf(os.Stderr, "weft-helm-renderer: cannot answer: %v\n", err)
				os.Exit(1)
			}
		}()
	}
	running.Wait()
}
