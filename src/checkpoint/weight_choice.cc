#include "checkpoint/weight_choice.h"

#include "util/error.h"

namespace seqtrain::checkpoint {

std::optional<WeightChoice> WeightChoiceNamed(const std::string& name) {
  if (name == "raw") return WeightChoice::kRaw;
  if (name == "ema") return WeightChoice::kEma;
  return std::nullopt;
}

const char* WeightChoiceName(WeightChoice choice) {
  return choice == WeightChoice::kEma ? "ema" : "raw";
}

const google::protobuf::RepeatedPtrField<Tensor>& ChosenWeights(const Checkpoint& checkpoint,
                                                                WeightChoice choice,
                                                                const std::string& path) {
  if (choice == WeightChoice::kRaw) return checkpoint.params();
  if (checkpoint.ema_params_size() == 0) {
    throw Error(path +
                ": has no moving average of the weights (trained with optimizer.ema_decay = 0); "
                "use --weights raw");
  }
  return checkpoint.ema_params();
}

}  // namespace seqtrain::checkpoint
