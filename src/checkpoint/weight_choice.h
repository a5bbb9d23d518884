// Which of a checkpoint's weights a command uses: the trained ones (params) or their
// exponential moving average (ema_params, saved when optimizer.ema_decay > 0). For eval,
// predict and export alike (their --weights flag).
#pragma once

#include <optional>
#include <string>

#include "checkpoint.pb.h"

namespace seqtrain::checkpoint {

enum class WeightChoice { kRaw, kEma };

// "raw" or "ema"; nullopt for anything else.
std::optional<WeightChoice> WeightChoiceNamed(const std::string& name);
const char* WeightChoiceName(WeightChoice choice);

// The tensors of that choice. Throws seqtrain::Error "path: ..." when the checkpoint has no
// average to choose.
const google::protobuf::RepeatedPtrField<Tensor>& ChosenWeights(const Checkpoint& checkpoint,
                                                                WeightChoice choice,
                                                                const std::string& path);

}  // namespace seqtrain::checkpoint
