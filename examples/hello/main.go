// Command hello answers "hello" and a request ID over HTTP.
package main

import (
	"flag"
	"fmt"
	"log"
	"net/http"

	"github.com/google/uuid"
)

func main() {
	addr := flag.String("addr", ":8080", "listen address")
	flag.Parse()
	http.HandleFunc("/", func(w http.ResponseWriter, _ *http.Request) {
		fmt.Fprintf(w, "hello %s\n", uuid.NewString())
	})
	log.Fatal(http.ListenAndServe(*addr, nil))
}
