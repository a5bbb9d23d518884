#include "app/cli.h"

#include <gtest/gtest.h>

namespace seqtrain::app {
namespace {

std::string UsageMessage(const std::vector<std::string>& args) {
  try {
    ParseCommandLine(args);
  } catch (const UsageError& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(Cli, TrainFlagsBecomeOverridesInOrder) {
  const CliRequest r =
      ParseCommandLine({"train", "--config", "c.txtpb", "--set", "model.num_layers=2", "--epochs",
                        "3", "--data-dir", "/d", "--resume", "auto", "--set", "schedule.epochs=4"});
  ASSERT_EQ(r.command, CliRequest::Command::kTrain);
  EXPECT_EQ(r.train.config_path, "c.txtpb");
  EXPECT_EQ(r.train.resume, "auto");
  // Shorthand flags first (in a fixed order), then --set in the order given.
  std::vector<std::string> fields, values;
  for (const auto& o : r.train.overrides) {
    fields.push_back(o.field_path);
    values.push_back(o.value);
  }
  EXPECT_EQ(fields, (std::vector<std::string>{"data.dir", "schedule.epochs", "model.num_layers",
                                              "schedule.epochs"}));
  EXPECT_EQ(values, (std::vector<std::string>{"/d", "3", "2", "4"}));
  EXPECT_EQ(r.train.overrides[1].origin, "--epochs 3");
  EXPECT_EQ(r.train.overrides[3].origin, "--set schedule.epochs=4");
}

TEST(Cli, CheckpointCommands) {
  const CliRequest i = ParseCommandLine({"inspect", "a.ckpt", "--tensors"});
  EXPECT_EQ(i.command, CliRequest::Command::kInspect);
  EXPECT_EQ(i.inspect.checkpoint, "a.ckpt");
  EXPECT_TRUE(i.inspect.tensors);
  const CliRequest e = ParseCommandLine({"eval", "--checkpoint", "a.ckpt", "--data-dir", "/d"});
  EXPECT_EQ(e.eval.checkpoint, "a.ckpt");
  EXPECT_EQ(e.eval.data_dir, "/d");
  const CliRequest p =
      ParseCommandLine({"predict", "--checkpoint", "a.ckpt", "--images", "x.idx", "--limit", "5"});
  EXPECT_EQ(p.predict.images, "x.idx");
  EXPECT_EQ(p.predict.limit, 5);
  const CliRequest d = ParseCommandLine({"diff", "a.ckpt", "b.ckpt", "--tolerance", "1e-4"});
  EXPECT_EQ(d.diff.a, "a.ckpt");
  EXPECT_EQ(d.diff.b, "b.ckpt");
  EXPECT_DOUBLE_EQ(d.diff.tolerance, 1e-4);
}

TEST(Cli, ExportAndInitCommands) {
  const CliRequest x = ParseCommandLine({"export", "--checkpoint", "a.ckpt", "--format", "onnx",
                                         "--out", "m.onnx", "--sequence-lens"});
  ASSERT_EQ(x.command, CliRequest::Command::kExport);
  EXPECT_EQ(x.export_request.checkpoint, "a.ckpt");
  EXPECT_EQ(x.export_request.format, "onnx");
  EXPECT_EQ(x.export_request.out, "m.onnx");
  EXPECT_TRUE(x.export_request.sequence_lens);
  const CliRequest i = ParseCommandLine(
      {"init", "--config", "c.txtpb", "--seed", "3", "--set", "model.num_layers=2", "--out", "w"});
  ASSERT_EQ(i.command, CliRequest::Command::kInit);
  EXPECT_EQ(i.init.config_path, "c.txtpb");
  EXPECT_EQ(i.init.out, "w");
  ASSERT_EQ(i.init.overrides.size(), 2u);
  EXPECT_EQ(i.init.overrides[0].field_path, "seed");
  EXPECT_EQ(i.init.overrides[1].field_path, "model.num_layers");
  const CliRequest t = ParseCommandLine({"train", "--init-from", "w.safetensors"});
  ASSERT_EQ(t.train.overrides.size(), 1u);
  EXPECT_EQ(t.train.overrides[0].field_path, "init_from");
  EXPECT_EQ(t.train.overrides[0].origin, "--init-from w.safetensors");
  const CliRequest p = ParseCommandLine(
      {"predict", "--checkpoint", "a", "--images", "x", "--probabilities", "p.tsv"});
  EXPECT_EQ(p.predict.probabilities, "p.tsv");

  EXPECT_EQ(UsageMessage({"export", "--checkpoint", "a", "--out", "m"}),
            "export: --format '': must be onnx or safetensors");
  EXPECT_EQ(UsageMessage({"export", "--checkpoint", "a", "--format", "tflite", "--out", "m"}),
            "export: --format 'tflite': must be onnx or safetensors");
  EXPECT_EQ(UsageMessage({"export", "--format", "onnx", "--out", "m"}),
            "export: --checkpoint FILE is required");
  EXPECT_EQ(UsageMessage({"export", "--checkpoint", "a", "--format", "onnx"}),
            "export: --out FILE is required");
  EXPECT_EQ(UsageMessage({"export", "--checkpoint", "a", "--format", "safetensors", "--out", "m",
                          "--sequence-lens"}),
            "export: --sequence-lens is for --format onnx");
  EXPECT_EQ(UsageMessage({"init", "--seed", "3"}), "init: --out FILE.safetensors is required");
}

TEST(Cli, LineageFlags) {
  const CliRequest fresh = ParseCommandLine({"train", "--new-lineage"});
  EXPECT_TRUE(fresh.train.new_lineage);
  EXPECT_EQ(fresh.train.resume, "");
  const CliRequest named = ParseCommandLine({"train", "--resume-lineage", "0123456789ab"});
  EXPECT_EQ(named.train.resume, "auto");  // implied
  EXPECT_EQ(named.train.resume_lineage, "0123456789ab");
  EXPECT_EQ(ParseCommandLine({"train", "--resume", "auto", "--resume-lineage", "legacy"})
                .train.resume_lineage,
            "legacy");
  EXPECT_EQ(UsageMessage({"train", "--resume", "a.ckpt", "--resume-lineage", "0123456789ab"}),
            "train: --resume-lineage picks a lineage for --resume auto, not for --resume a.ckpt");
  EXPECT_EQ(UsageMessage({"train", "--resume", "auto", "--new-lineage"}),
            "train: --new-lineage starts fresh: it excludes --resume");
  EXPECT_NE(ParseCommandLine({"diff", "--help"})
                .help_text.find("1: different (values or shapes); 2: error"),
            std::string::npos);
}

TEST(Cli, HelpIsNotAnError) {
  EXPECT_EQ(ParseCommandLine({}).command, CliRequest::Command::kHelp);
  const CliRequest r = ParseCommandLine({"train", "--help"});
  EXPECT_EQ(r.command, CliRequest::Command::kHelp);
  EXPECT_NE(r.help_text.find("--batch-size"), std::string::npos);
}

TEST(Cli, VersionCommandAndFlag) {
  EXPECT_EQ(ParseCommandLine({"version"}).command, CliRequest::Command::kVersion);
  EXPECT_EQ(ParseCommandLine({"--version"}).command, CliRequest::Command::kVersion);
  EXPECT_EQ(UsageMessage({"version", "--all"}), "version takes no arguments (got '--all')");
  EXPECT_NE(ParseCommandLine({}).help_text.find("  version "), std::string::npos);
}

TEST(Cli, BadFlagsAreUsageErrorsNamingTheFlag) {
  EXPECT_NE(UsageMessage({"trian"}).find("unknown command 'trian'"), std::string::npos);
  EXPECT_NE(UsageMessage({"train", "--bogus"}).find("--bogus"), std::string::npos);
  EXPECT_NE(UsageMessage({"train", "--lr"}).find("--lr"), std::string::npos);
  EXPECT_NE(UsageMessage({"train", "extra"}).find("train:"), std::string::npos);
  EXPECT_NE(UsageMessage({"train", "--set", "no_equals_sign"})
                .find("--set no_equals_sign: expected path.to.field=value"),
            std::string::npos);
  EXPECT_NE(UsageMessage({"inspect"}).find("inspect: a checkpoint file is required"),
            std::string::npos);
  EXPECT_NE(UsageMessage({"eval"}).find("eval: --checkpoint FILE is required"), std::string::npos);
  const std::string one_input = "predict: give either --images FILE (IDX) or --inputs FILE (.npy)";
  EXPECT_NE(UsageMessage({"predict", "--checkpoint", "a"}).find(one_input), std::string::npos);
  EXPECT_NE(UsageMessage({"predict", "--checkpoint", "a", "--images", "i", "--inputs", "x.npy"})
                .find(one_input),
            std::string::npos);
  EXPECT_NE(UsageMessage({"predict", "--checkpoint", "a", "--images", "i", "--lengths", "l.npy"})
                .find("predict: --lengths goes with --inputs"),
            std::string::npos);
  EXPECT_NE(UsageMessage({"diff", "a"}).find("diff: two checkpoint files are required"),
            std::string::npos);
}

// Flags that set a config field show the field's help and default from config.proto.
TEST(Cli, ConfigFlagsHelpComesFromTheSchema) {
  const std::string help = ParseCommandLine({"train", "--help"}).help_text;
  std::string flat;  // Boost wraps the lines: whitespace runs as one space
  for (const char c : help) {
    if (c != ' ' && c != '\n')
      flat += c;
    else if (!flat.empty() && flat.back() != ' ')
      flat += ' ';
  }
  for (const char* line :
       {"H: units per recurrent layer (per direction) (default 128); sets model.hidden_size",
        "passes over the training set (default 10); sets schedule.epochs",
        "learning rate (the optimizer's step size) (default 0.001); sets optimizer.learning_rate",
        "> 0: train exactly N steps in total, overriding --epochs"}) {
    EXPECT_NE(flat.find(line), std::string::npos) << line << " in:\n" << help;
  }
}

}  // namespace
}  // namespace seqtrain::app
