package config

import (
	"strconv"
	"strings"
)

// Problem is one thing wrong with a configuration file.
type Problem struct {
	// File is the configuration file's path as given to Load or Parse.
	File string
	// Line and Column locate the problem in the file (1-based); 0 when unknown. Column is
	// set only for problems the YAML decoder found.
	Line, Column int
	// Path is the key path, such as "sources[1].auth"; empty for the file as a whole.
	Path string
	// Message says what is wrong. It never contains a secret or an environment value.
	Message string
}

// String formats p as one line: "file:line[:column]: path: message".
func (p Problem) String() string {
	var b strings.Builder
	b.WriteString(p.File)
	if p.Line > 0 {
		b.WriteString(":" + strconv.Itoa(p.Line))
		if p.Column > 0 {
			b.WriteString(":" + strconv.Itoa(p.Column))
		}
	}
	b.WriteString(": ")
	if p.Path != "" {
		b.WriteString(p.Path + ": ")
	}
	b.WriteString(p.Message)
	return b.String()
}

// Error is returned by Load and Parse for a configuration that is not valid. It lists
// every problem found, in file order.
type Error struct {
	Problems []Problem
}

// Error formats the problems one per line.
func (e *Error) Error() string {
	lines := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		lines[i] = p.String()
	}
	return strings.Join(lines, "\n")
}
