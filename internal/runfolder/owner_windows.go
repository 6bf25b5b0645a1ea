package runfolder

import "io/fs"

// ownedByMe: on Windows each user has a temp folder of their own.
func ownedByMe(fs.FileInfo) bool { return true }
