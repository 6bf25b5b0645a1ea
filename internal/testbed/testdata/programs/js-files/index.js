"use strict";
const fs = require("fs");
const path = require("path");
const pulumi = require("@pulumi/pulumi");

const config = new pulumi.Config();
if (config.getBoolean("throw")) {
    throw new Error("the program was told to throw (config throw=true)");
}
const scribble = config.get("scribble");
if (scribble) {
    // In place, through the file's own inode, as a careless program might;
    // never outside the program's folder (a linked, shared node_modules).
    const readme = fs.realpathSync(path.join(path.dirname(require.resolve("@pulumi/pulumi")), "README.md"));
    if (!readme.startsWith(fs.realpathSync(__dirname) + path.sep)) {
        throw new Error(`refusing to scribble on ${readme}: it is outside the program's folder`);
    }
    const fd = fs.openSync(readme, "r+");
    fs.writeSync(fd, scribble, 0);
    fs.closeSync(fd);
}
const greeting = config.getSecret("greeting") || pulumi.output("hello");
const opts = { version: "{{.ProviderVersion}}", pluginDownloadURL: "{{.MirrorURL}}" };

class File extends pulumi.CustomResource {
    constructor(name, args, opts) {
        super("localfile:index:File", name, { ...args, size: undefined }, opts);
    }
}

const first = new File("first", {
    path: "{{.OutDir}}/first.txt",
    content: greeting,
    delaySeconds: config.getNumber("delaySeconds") || 0,
}, opts);
const second = new File("second", {
    path: "{{.OutDir}}/second.txt",
    content: pulumi.interpolate`${greeting} again`,
    failOnCreate: config.getBoolean("failSecond") || false,
}, opts);

exports.firstPath = first.path;
exports.secondSize = second.size;
exports.secretGreeting = pulumi.secret(greeting);
