import * as fs from "fs";
import * as pulumi from "@pulumi/pulumi";

export interface FileArgs {
    path: pulumi.Input<string>;
    content: pulumi.Input<string>;
    delaySeconds?: pulumi.Input<number>;
    failOnCreate?: pulumi.Input<boolean>;
    /** A file whose content is appended to content once it can be read. */
    gate?: string;
}

/** A file written by the localfile test provider, used without a generated SDK. */
export class File extends pulumi.CustomResource {
    declare public readonly path: pulumi.Output<string>;
    declare public readonly size: pulumi.Output<number>;

    constructor(name: string, args: FileArgs, opts?: pulumi.CustomResourceOptions) {
        const { gate, ...inputs } = args;
        const content = gate === undefined ? inputs.content
            : pulumi.all([inputs.content, fs.promises.readFile(gate, "utf8")]).apply(([c, g]) => c + g);
        super("localfile:index:File", name, { ...inputs, content, size: undefined }, opts);
    }
}
