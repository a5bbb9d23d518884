#include "checkpoint/optimizer_state.h"

#include <algorithm>

#include "checkpoint/model_tensors.h"
#include "optim/registry.h"
#include "util/error.h"

namespace seqtrain::checkpoint {
namespace {

constexpr uint32_t kFirstVersionWithOptimizerState = 3;

std::string Joined(const std::vector<std::string>& names) {
  std::string out;
  for (const std::string& n : names) out += (out.empty() ? "" : ", ") + n;
  return out;
}

// A name from the file, cut short and printable, so the error stays one readable line.
std::string Quoted(const std::string& text) {
  std::string shown = text.substr(0, 40);
  for (char& c : shown) {
    if (c < 0x20 || c > 0x7e) c = '?';
  }
  return "'" + shown + "'";
}

const OptimizerStateTensors* FindState(const OptimizerState& state, const std::string& name) {
  const auto it = std::find_if(state.state().begin(), state.state().end(),
                               [&](const OptimizerStateTensors& s) { return s.name() == name; });
  return it == state.state().end() ? nullptr : &*it;
}

}  // namespace

void PackOptimizerState(const optim::Optimizer& optimizer, const nn::ParamLayout& layout,
                        OptimizerState* out) {
  SEQ_CHECK(optimizer.num_params() == layout.total_size());
  out->Clear();
  out->set_name(optimizer.name());
  out->set_step(optimizer.step());
  for (const optim::StateTensor& s : optimizer.state()) {
    OptimizerStateTensors* saved = out->add_state();
    saved->set_name(s.name);
    PackTensors(layout, s.values.data(), saved->mutable_tensors());
  }
}

void CheckOptimizerState(const OptimizerState& state, const nn::ParamLayout& layout,
                         const std::string& path) {
  const optim::OptimizerInfo* info = optim::FindOptimizer(state.name());
  if (!info) {
    throw Error(path + ": optimizer.name = " + Quoted(state.name()) +
                " is not an optimizer of this seqtrain (" + optim::OptimizerNames() + ")");
  }
  if (state.step() < 0) {
    throw Error(path + ": optimizer.step = " + std::to_string(state.step()) + " is negative");
  }
  const std::string keeps = " (" + info->name + " keeps " + Joined(info->state_names) + ")";
  for (int i = 0; i < state.state_size(); ++i) {
    const std::string& name = state.state(i).name();
    const auto& names = info->state_names;
    if (std::find(names.begin(), names.end(), name) == names.end()) {
      throw Error(path + ": optimizer.state " + Quoted(name) + " is not a state of " + info->name +
                  keeps);
    }
    if (FindState(state, name) != &state.state(i)) {
      throw Error(path + ": optimizer.state " + Quoted(name) + " appears more than once");
    }
  }
  for (const std::string& name : info->state_names) {
    const OptimizerStateTensors* saved = FindState(state, name);
    if (!saved) throw Error(path + ": optimizer.state '" + name + "' is missing" + keeps);
    CheckTensorsFit(saved->tensors(), layout, path, "optimizer.state '" + name + "'");
  }
}

void RestoreOptimizerState(const OptimizerState& state, const nn::ParamLayout& layout,
                           optim::Optimizer* optimizer, const std::string& path) {
  SEQ_CHECK(optimizer->num_params() == layout.total_size());
  CheckOptimizerState(state, layout, path);
  if (state.name() != optimizer->name()) {
    throw Error(path + ": optimizer.name = " + Quoted(state.name()) + " in the checkpoint but '" +
                optimizer->name() + "' in the config: resume with the optimizer that saved it");
  }
  std::vector<optim::StateTensor> restored;
  for (const optim::StateTensor& s : optimizer->state()) {
    optim::StateTensor r{s.name, std::vector<float>(layout.total_size())};
    UnpackTensors(FindState(state, s.name)->tensors(), layout, r.values.data(), path,
                  "optimizer.state '" + s.name + "'");
    restored.push_back(std::move(r));
  }
  optimizer->Restore(state.step(), std::move(restored));
}

namespace {

// Before optimizer.name existed the one optimizer was "adam", and its weight_decay was
// AdamW's decoupled decay: such a checkpoint holds the state of what is "adamw" now.
void NameDecoupledAdam(Checkpoint* checkpoint) {
  const OptimizerConfig& saved = checkpoint->config().optimizer();
  if (saved.has_name() || saved.weight_decay() <= 0 || checkpoint->optimizer().name() != "adam")
    return;
  checkpoint->mutable_config()->mutable_optimizer()->set_name("adamw");
  checkpoint->mutable_optimizer()->set_name("adamw");
}

}  // namespace

// The one place that reads the deprecated fields.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
void UpgradeOptimizerFields(Checkpoint* checkpoint, const std::string& path) {
  const bool legacy_fields =
      checkpoint->adam_m_size() > 0 || checkpoint->adam_v_size() > 0 || checkpoint->has_adam_step();
  if (checkpoint->format_version() >= kFirstVersionWithOptimizerState) {
    if (legacy_fields) {
      throw Error(path + ": adam_m, adam_v or adam_step set in a format version " +
                  std::to_string(checkpoint->format_version()) +
                  " checkpoint, which keeps them in optimizer");
    }
    NameDecoupledAdam(checkpoint);
    return;
  }
  if (checkpoint->has_optimizer()) {
    throw Error(path + ": optimizer set in a format version " +
                std::to_string(checkpoint->format_version()) +
                " checkpoint, which keeps Adam's state in adam_m, adam_v and adam_step");
  }
  if (!legacy_fields) return;
  // What those fields meant: Adam's state, whatever the Adam of this build is called.
  OptimizerState* state = checkpoint->mutable_optimizer();
  state->set_name("adam");
  state->set_step(checkpoint->adam_step());
  auto move_state = [&](const char* name, google::protobuf::RepeatedPtrField<Tensor>* tensors) {
    if (tensors->empty()) return;  // left missing, for CheckOptimizerState to name
    OptimizerStateTensors* s = state->add_state();
    s->set_name(name);
    s->mutable_tensors()->Swap(tensors);
  };
  move_state("m", checkpoint->mutable_adam_m());
  move_state("v", checkpoint->mutable_adam_v());
  checkpoint->clear_adam_step();
  NameDecoupledAdam(checkpoint);
}
#pragma GCC diagnostic pop

}  // namespace seqtrain::checkpoint
