import * as pulumi from "@pulumi/pulumi";

const opts = { version: "{{.ProviderVersion}}", pluginDownloadURL: "{{.MirrorURL}}" };

// The localfile provider's File, used without a generated SDK.
class File extends pulumi.CustomResource {
    declare public readonly path: pulumi.Output<string>;
    declare public readonly size: pulumi.Output<number>;

    constructor(name: string, args: { path: string; content: pulumi.Input<string> }, opts?: pulumi.CustomResourceOptions) {
        super("localfile:index:File", name, { ...args, size: undefined }, opts);
    }
}

const greeting = new pulumi.Config().get("greeting") ?? "hello";
const first = new File("first", { path: "{{.OutDir}}/first.txt", content: greeting }, opts);
const second = new File("second", { path: "{{.OutDir}}/second.txt", content: `${greeting} again` }, opts);

export const firstPath = first.path;
export const secondSize = second.size;
