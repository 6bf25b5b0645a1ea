import * as pulumi from "@pulumi/pulumi";
import { File } from "./file";

const config = new pulumi.Config();
if (config.getBoolean("throw")) {
    throw new Error("the program was told to throw (config throw=true)");
}
const greeting = config.getSecret("greeting") ?? pulumi.output("hello");
const opts = { version: "{{.ProviderVersion}}", pluginDownloadURL: "{{.MirrorURL}}" };

const first = new File("first", {
    path: "{{.OutDir}}/first.txt",
    content: greeting,
    delaySeconds: config.getNumber("delaySeconds") ?? 0,
}, opts);
const second = new File("second", {
    path: "{{.OutDir}}/second.txt",
    content: pulumi.interpolate`${greeting} again`,
    failOnCreate: config.getBoolean("failSecond") ?? false,
    gate: config.getBoolean("stall") ? "{{.OutDir}}.gate" : undefined,
}, opts);

export const firstPath = first.path;
export const secondSize = second.size;
export const secretGreeting = pulumi.secret(greeting);
