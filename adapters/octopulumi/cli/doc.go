// Package cli is the octopulumi command: cobra commands that parse flags,
// call one library function, and print. Behaviour lives in pkg/.
package cli
