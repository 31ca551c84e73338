// Starts `godockerlint lsp` for Dockerfiles; everything else (diagnostics, quick fixes,
// fix-all on save, hover, completion) comes from the server.
const vscode = require("vscode");
const { LanguageClient } = require("vscode-languageclient/node");

let client;

function activate(context) {
  const settings = vscode.workspace.getConfiguration("godockerlint");
  const command = settings.get("path") || "godockerlint";
  client = new LanguageClient(
    "godockerlint",
    "godockerlint",
    { command, args: ["lsp"] },
    {
      documentSelector: [
        { scheme: "file", language: "dockerfile" },
        { scheme: "file", pattern: "**/{Dockerfile,Dockerfile.*,*.Dockerfile,*.dockerfile,Containerfile*}" },
      ],
      initializationOptions: {
        context: settings.get("context"),
        config: settings.get("config"),
        debounce: settings.get("debounce"),
      },
      synchronize: { configurationSection: "godockerlint" },
    },
  );
  context.subscriptions.push(client);
  return client.start();
}

function deactivate() {
  return client ? client.stop() : undefined;
}

module.exports = { activate, deactivate };
