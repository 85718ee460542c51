package main

import (
	"database/sql"
	"fmt"
	"os"
	"time"

	_ "github.com/duckdb/duckdb-go/v2"
)

func main() {
	db, err := sql.Open("duckdb", os.Args[1])
	if err != nil {
		panic(err)
	}
	for _, q := range os.Args[2:] {
		start := time.Now()
		rows, err := db.Query(q)
		if err != nil {
			fmt.Println("ERR", err)
			continue
		}
		n := 0
		cols, _ := rows.Columns()
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			rows.Scan(ptrs...)
			if n < 5 {
				fmt.Println(vals...)
			}
			n++
		}
		rows.Close()
		fmt.Printf("%.2fs rows=%d  %s\n", time.Since(start).Seconds(), n, q[:min(len(q), 100)])
	}
}
